import { destinationDescriptor } from "@syncline/connectors";
import { traced, type Database } from "@syncline/db";
import {
  type ImportBehavior,
  SyncAction,
  SyncTrigger,
  type Destination,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { failedPrecondition, invalidArgument, notFound } from "@syncline/errors";
import { decodePageToken, encodePageToken, type AuditActor } from "@syncline/rpc";
import { recordAudit } from "../store/audit-store.ts";
import * as runStore from "../store/run-store.ts";
import * as store from "../store/sync-store.ts";
import type { QueuedRun, RunQueue, RunSpec } from "./run-queue.ts";
import type { SyncWatchers } from "./sync-watchers.ts";

/** Query of ListSyncRuns (validated). */
export interface RunListQuery {
  readonly pageSize: number;
  readonly pageToken: string;
  readonly action?: SyncAction;
}

const DELETING = "cancelled: the sync is being deleted";

/**
 * What a person asks a sync to do — run, import, remove, be deleted — each recorded as a run
 * request (folded into a queued run of the same action when there is one: an action requested
 * while another runs waits its turn and runs once) and audited with its actor.
 */
export function createSyncActions(deps: { db: Database; runs: RunQueue; watchers: SyncWatchers }) {
  const { db } = deps;

  async function requireSync(id: string): Promise<store.SyncRow> {
    const row = await traced("secret_syncs.get", () => store.findSync(db, id));
    if (!row) throw notFound(`secret sync ${id}`);
    return row;
  }

  /** Locks the sync, checks it may take `spec`, queues it and audits `what`; publishes after commit. */
  async function request(
    id: string,
    actor: AuditActor,
    what: string,
    spec: RunSpec,
    options: { whileDeleting?: boolean } = {},
  ): Promise<runStore.RunRow> {
    const queued = await traced("sync_runs.request", () =>
      db.transaction(async (tx) => {
        const sync = await store.lockSync(tx, id);
        if (!sync) throw notFound(`secret sync ${id}`);
        if (sync.deletionRequestedAt && !options.whileDeleting) {
          throw failedPrecondition(`secret sync ${id} is being deleted; nothing more runs for it except the removal`, [
            { field: "secret_sync_id", description: "the sync is being deleted" },
          ]);
        }
        const run = await deps.runs.queueIn(tx, sync, spec);
        await recordAudit(tx, {
          syncId: id,
          projectId: sync.projectId,
          actor,
          action: what,
          details: { run_id: run.run.id, ...(run.created ? {} : { folded: "true" }) },
        });
        return run;
      }),
    );
    await deps.runs.publish([queued]);
    return queued.run;
  }

  function capability(
    sync: store.SyncRow,
    has: (d: ReturnType<typeof destinationDescriptor>) => boolean,
    missing: string,
    field = "secret_sync_id",
  ): void {
    const descriptor = destinationDescriptor(sync.destination as Destination);
    if (!has(descriptor))
      throw failedPrecondition(`${descriptor.name} ${missing}`, [
        { field, description: `its destination (${descriptor.name}) ${missing}` },
      ]);
  }

  return {
    /** Requests a run of the sync action now, whatever auto_sync says. */
    trigger: (id: string, actor: AuditActor) =>
      request(id, actor, "sync.trigger", { action: SyncAction.SYNC, trigger: SyncTrigger.MANUAL, revision: 0n }),

    /** Imports the destination's owned keys into the source; only where the destination can be read back. */
    async importSecrets(id: string, behavior: ImportBehavior, actor: AuditActor) {
      capability(
        await requireSync(id),
        (d) => d.capabilities.readBack,
        "cannot be read back, so nothing can be imported",
      );
      return request(id, actor, "sync.import", {
        action: SyncAction.IMPORT,
        trigger: SyncTrigger.MANUAL,
        revision: 0n,
        importBehavior: behavior,
      });
    },

    /** Removes the sync's owned keys from the destination (also while the sync is being deleted: it folds into that removal). */
    async removeSecrets(id: string, actor: AuditActor) {
      capability(await requireSync(id), (d) => d.capabilities.removeOnDelete, "cannot remove a sync's keys");
      return request(
        id,
        actor,
        "sync.remove",
        { action: SyncAction.REMOVE, trigger: SyncTrigger.MANUAL, revision: 0n },
        { whileDeleting: true },
      );
    },

    /**
     * Without `removeSecrets`, deletes the sync at once (the destination keeps its keys). With it,
     * marks the sync as being deleted (no more pushes or imports; queued ones are cancelled) and
     * queues a REMOVE run (SYNC_DELETED): the sync is deleted when that run succeeds.
     */
    async delete(id: string, removeSecrets: boolean, actor: AuditActor): Promise<runStore.RunRow | undefined> {
      if (!removeSecrets) {
        await traced("secret_syncs.delete", () =>
          db.transaction(async (tx) => {
            const sync = await store.lockSync(tx, id);
            if (!sync) throw notFound(`secret sync ${id}`);
            await store.deleteSync(tx, id);
            await recordAudit(tx, {
              syncId: id,
              projectId: sync.projectId,
              actor,
              action: "sync.delete",
              details: { name: sync.name, remove_secrets: "false" },
            });
          }),
        );
        deps.watchers.notify([id]);
        return undefined;
      }
      capability(
        await requireSync(id),
        (d) => d.capabilities.removeOnDelete,
        "cannot remove a sync's keys; delete without remove_secrets",
        "remove_secrets",
      );
      const queued: QueuedRun = await traced("secret_syncs.delete_requested", () =>
        db.transaction(async (tx) => {
          const sync = await store.lockSync(tx, id);
          if (!sync) throw notFound(`secret sync ${id}`);
          if (!sync.deletionRequestedAt)
            await store.patchSync(tx, id, { deletionRequestedAt: new Date(), deletionRequestedBy: actor.id });
          await deps.runs.cancelQueued(tx, id, [SyncAction.SYNC, SyncAction.IMPORT], DELETING);
          const run = await deps.runs.queueIn(tx, sync, {
            action: SyncAction.REMOVE,
            trigger: SyncTrigger.SYNC_DELETED,
            revision: 0n,
          });
          await recordAudit(tx, {
            syncId: id,
            projectId: sync.projectId,
            actor,
            action: "sync.delete_requested",
            details: { name: sync.name, remove_secrets: "true", run_id: run.run.id },
          });
          return run;
        }),
      );
      await deps.runs.publish([queued]);
      return queued.run;
    },

    /** A page of the sync's runs, newest first. */
    async listRuns(id: string, query: RunListQuery): Promise<{ runs: runStore.RunRow[]; nextPageToken: string }> {
      await requireSync(id);
      const position = query.pageToken === "" ? undefined : decodePageToken(`runs:${id}`, query.pageToken);
      if (query.pageToken !== "" && (position === undefined || !/^\d+$/.test(position))) {
        throw invalidArgument([{ field: "page_token", description: "is not a token from ListSyncRuns of this sync" }]);
      }
      const rows = await traced("sync_runs.list", () =>
        runStore.listRuns(db, id, {
          limit: query.pageSize + 1,
          action: query.action,
          beforeSeq: position === undefined ? undefined : BigInt(position),
        }),
      );
      const page = rows.slice(0, query.pageSize);
      const nextPageToken =
        rows.length > query.pageSize ? encodePageToken(`runs:${id}`, page[page.length - 1]!.seq.toString()) : "";
      return { runs: page, nextPageToken };
    },
  };
}

export type SyncActions = ReturnType<typeof createSyncActions>;
