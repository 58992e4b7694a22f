import type { SyncOwner } from "../contract/index.ts";

/**
 * The description Syncline gives every variable it writes for a sync, so the GitLab UI shows which
 * sync manages it (GitLab allows 255 characters).
 */
export function ownerDescription(owner: SyncOwner): string {
  return `Managed by Syncline sync ${owner.syncId} (project ${owner.projectId}); changes are overwritten.`.slice(
    0,
    255,
  );
}

/** The sync id a variable's description names, or undefined when Syncline does not manage it. */
export function ownerOf(description: string): string | undefined {
  return /^Managed by Syncline sync (\S+) \(project /.exec(description)?.[1];
}

/** Who holds a variable, from the point of view of `owner`: this sync, another sync, or nobody. */
export function holderOf(description: string, owner: SyncOwner): "this sync" | "another sync" | "nobody" {
  const syncId = ownerOf(description);
  if (syncId === undefined) return "nobody";
  return syncId === owner.syncId ? "this sync" : "another sync";
}
