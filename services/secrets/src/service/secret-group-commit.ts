import { traced } from "@syncline/db";
import type { DomainError } from "@syncline/errors";
import type { Actor } from "./audit-log.ts";
import { createCommitGroups, type QueuedWrite } from "./commit-groups.ts";
import type { SecretSealer } from "./secret-sealer.ts";
import { applyBatch, type BatchWrite, type WriteRefusal } from "./secret-write-batch.ts";
import type { SecretView } from "./secret-writes.ts";
import { secretExists, secretNotFound, versionConflict } from "./single-write-errors.ts";
import {
  environmentNotFound,
  folderNotFound,
  lockProject,
  type SecretAddress,
  type WriteDeps,
} from "./write-transaction.ts";

/** A CreateSecret, UpdateSecret or DeleteSecret call, normalised (unset fields keep their content). */
export interface SingleWrite {
  readonly operation: "create" | "update" | "delete";
  readonly actor: Actor;
  readonly address: SecretAddress;
  readonly key: string;
  readonly value?: string;
  readonly comment?: string;
  readonly metadata?: Record<string, string>;
  readonly expectedVersion?: number;
}

/** The most writes one group commits (one transaction, one revision). */
export const MAX_GROUP_SIZE = 256;

type Result = { ok: true; value: SecretView | bigint } | { ok: false; error: DomainError };

/** Thrown out of a group's transaction when every write of it was refused: nothing to commit. */
class NothingApplied extends Error {
  readonly results: readonly Result[];
  constructor(results: readonly Result[]) {
    super("every write of the group was refused");
    this.results = results;
  }
}

/**
 * Group commit of single-secret writes: writes of a project that arrive while one of its write
 * transactions runs are applied together in the next one, through the set-based batch path (one
 * project revision, one change event per folder, one version and audit entry per write). Each
 * call gets exactly what it would get alone: a refused write fails with its single-write error
 * and the rest commit; when the group's transaction fails as a whole (folder capacity, a database
 * error) each write runs again as a group of its own, so none fails for another's sake.
 */
export function createSecretGroupCommit(deps: WriteDeps & { sealer: SecretSealer }) {
  const runGroup = async (projectId: string, group: readonly QueuedWrite<SingleWrite>[]): Promise<void> => {
    let results: readonly Result[];
    let committed = false;
    try {
      results = await traced(
        "secrets.group_commit",
        () =>
          deps.db.transaction(async (tx) => {
            const revision = await lockProject(tx, projectId);
            const writes = group.map(({ write }, index) => batchWrite(write, index));
            const { refusals, outcomes } = await applyBatch(tx, deps, {
              projectId,
              actor: group[0]!.write.actor,
              revision,
              writes,
              applyAccepted: true,
            });
            const refused = new Map(refusals.map((r) => [r.write.index, singleWriteError(projectId, r)]));
            const decided = group.map((_, index): Result => {
              const error = refused.get(index);
              if (error) return { ok: false, error };
              const outcome = outcomes.get(index)!;
              return {
                ok: true,
                value: outcome.kind === "written" ? { ...outcome.secret, value: outcome.value } : revision,
              };
            });
            if (outcomes.size === 0) throw new NothingApplied(decided);
            return decided;
          }),
        { "syncline.commit_group.size": group.length },
      );
      committed = true;
    } catch (error) {
      if (error instanceof NothingApplied) results = error.results;
      else if (group.length === 1) {
        group[0]!.reject(error);
        return;
      } else {
        for (const queued of group) await runGroup(projectId, [queued]);
        return;
      }
    }
    // Outside the try: a committed group must never run again, whatever the kick does.
    if (committed) deps.afterCommit();
    for (const [i, result] of results.entries()) {
      if (result.ok) group[i]!.resolve(result.value);
      else group[i]!.reject(result.error);
    }
  };

  const groups = createCommitGroups<SingleWrite>({ maxGroupSize: MAX_GROUP_SIZE, runGroup });
  const secretOf = (w: SingleWrite) => `${w.address.environment}\u0000${w.address.path}\u0000${w.key}`;

  return {
    /** Applies the write in its project's next commit group: the created or updated secret with its value, or the revision of a delete. */
    submit<R extends SecretView | bigint>(write: SingleWrite): Promise<R> {
      return groups.submit<R>(write.address.projectId, secretOf(write), write);
    },
  };
}

function batchWrite(write: SingleWrite, index: number): BatchWrite {
  return {
    index,
    operation: write.operation,
    environment: write.address.environment,
    path: write.address.path,
    key: write.key,
    actor: write.actor,
    ...(write.value !== undefined ? { value: write.value } : {}),
    ...(write.comment !== undefined ? { comment: write.comment } : {}),
    ...(write.metadata !== undefined ? { metadata: write.metadata } : {}),
    ...(write.expectedVersion !== undefined ? { expectedVersion: write.expectedVersion } : {}),
  };
}

/** The error the write gets when it runs alone (the same wording as secret-service.ts). */
function singleWriteError(projectId: string, refusal: WriteRefusal): DomainError {
  const w = refusal.write;
  switch (refusal.reason) {
    case "environment_missing":
      return environmentNotFound(projectId, w.environment);
    case "folder_missing":
      return folderNotFound(w);
    case "secret_exists":
      return secretExists(w, w.key);
    case "secret_missing":
      return secretNotFound(w, w.key);
    case "version_mismatch":
      return versionConflict(w.key, refusal.currentVersion, w.expectedVersion!);
  }
}
