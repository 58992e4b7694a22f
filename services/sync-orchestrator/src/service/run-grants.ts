import { randomUUID } from "node:crypto";
import { ImportBehavior, InitialSyncBehavior, SyncAction } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { RunGrant, RunGrantAction, RunGrantSigner } from "@syncline/rpc";
import type { RunRow } from "../store/run-store.ts";
import type { SyncRow } from "../store/sync-store.ts";

const actionNames: Record<number, RunGrantAction | undefined> = {
  [SyncAction.SYNC]: "SYNC",
  [SyncAction.IMPORT]: "IMPORT",
  [SyncAction.REMOVE]: "REMOVE",
};

/** How long the read grant of a run request lives: a request normally waits milliseconds for a worker. */
export const REQUEST_GRANT_TTL_MS = 30_000;

/**
 * Issues run grants (docs/least-privilege.md) from the orchestrator's stored rows, never from what
 * a worker sent: the sync's source and connection, the run's action and, for imports, the run's
 * import behaviour. A SYNC run whose first push imports first (initial behaviour IMPORT_*, nothing
 * synced yet) gets that import's behaviour too, which is what lets it bulk-write into its source.
 */
export function createRunGrants(signer: RunGrantSigner) {
  return {
    /** The grant of a lease: valid until the lease's expiry (plus the signer's skew). */
    forLease(sync: SyncRow, run: RunRow, leaseId: string, leaseExpiresAt: Date): Promise<string> {
      const action = actionNames[run.action];
      if (!action) throw new Error(`run ${run.id} has no grantable action (${run.action})`);
      return signer.sign(
        { ...scopeOf(sync), runId: run.id, leaseId, action, importBehavior: importBehaviorOf(sync, run, action) },
        leaseExpiresAt,
      );
    },

    /**
     * The read grant a SYNC run's request carries (`SyncRunRequest.read_grant`): the sync's source and
     * connection, no lease and no import behaviour (it reads, it never writes), valid for
     * REQUEST_GRANT_TTL_MS. Only for automatic syncs, where every source change raises the revision a
     * run must reach (so a change folded in after such a read gets a follow-up run); undefined for
     * manual syncs, other actions and a first push that imports first (it reads after its import).
     */
    forRequest(sync: SyncRow, run: RunRow): Promise<string> | undefined {
      if (run.action !== SyncAction.SYNC || !sync.autoSync) return undefined;
      if (importBehaviorOf(sync, run, "SYNC") !== "") return undefined;
      const grant: RunGrant = { ...scopeOf(sync), runId: run.id, leaseId: "", action: "SYNC", importBehavior: "" };
      return signer.sign(grant, new Date(Date.now() + REQUEST_GRANT_TTL_MS));
    },

    /** A PLAN grant for one plan of `sync` (no run row, no lease), valid for `ttlMs`. */
    forPlan(sync: SyncRow, ttlMs: number): Promise<string> {
      const grant: RunGrant = {
        ...scopeOf(sync),
        runId: randomUUID(),
        leaseId: "",
        action: "PLAN",
        importBehavior: "",
      };
      return signer.sign(grant, new Date(Date.now() + ttlMs));
    },
  };
}

export type RunGrants = ReturnType<typeof createRunGrants>;

function scopeOf(sync: SyncRow) {
  return {
    syncId: sync.id,
    projectId: sync.projectId,
    environment: sync.sourceEnvironment,
    path: sync.sourcePath,
    recursive: sync.sourceRecursive,
    connectionId: sync.connectionId,
  };
}

function importBehaviorOf(sync: SyncRow, run: RunRow, action: RunGrantAction): string {
  if (action === "IMPORT") return ImportBehavior[run.importBehavior || ImportBehavior.PRIORITIZE_SOURCE] ?? "";
  if (action !== "SYNC" || sync.lastSyncedRevision > 0n) return "";
  switch (sync.initialSyncBehavior) {
    case InitialSyncBehavior.IMPORT_PRIORITIZE_SOURCE:
      return ImportBehavior[ImportBehavior.PRIORITIZE_SOURCE];
    case InitialSyncBehavior.IMPORT_PRIORITIZE_DESTINATION:
      return ImportBehavior[ImportBehavior.PRIORITIZE_DESTINATION];
    default:
      return "";
  }
}
