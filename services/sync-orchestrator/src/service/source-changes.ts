import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { traced, type Database } from "@syncline/db";
import type { SourceChangeEvent } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import type { ConnectionChangeEvent } from "@syncline/gen/syncline/events/v1/connection_events_pb.js";
import { ConnectionChangeKind } from "@syncline/gen/syncline/events/v1/connection_events_pb.js";
import { SyncAction, SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { sourceLossMessage, sourceLossOf, type SourceLoss } from "../domain/source-loss.ts";
import { watchingSourcePaths } from "../domain/source-match.ts";
import { runIdForEvent } from "../domain/sync-rules.ts";
import { resetRetries, setStatus } from "../store/status-store.ts";
import * as store from "../store/sync-store.ts";
import { recordSyncOutcome } from "./notification-events.ts";
import type { RunQueue } from "./run-queue.ts";
import type { SyncWatchers } from "./sync-watchers.ts";

/** Counts for logs: how an event was turned into runs. */
export interface ChangeOutcome {
  readonly requested: number;
  readonly failed: number;
}

/**
 * What the world's changes mean for syncs. A change of secrets requests a run of every auto-sync
 * that sees the folder (its own folder, or below it when recursive; folders importing or
 * referencing the changed one get their own events). A deleted folder, environment or project
 * fails every sync whose source it held — with a message saying so, the destination untouched,
 * queued runs cancelled — and is a change of secrets for recursive syncs above it. New credentials
 * of a connection request a run of its auto-syncs; a deleted connection fails its syncs.
 */
export function createSourceChanges(deps: { db: Database; runs: RunQueue; watchers: SyncWatchers }) {
  const { db } = deps;

  /** Requests runs of the auto-syncs seeing `path`; `recursiveOnly` keeps those whose subtree holds it. */
  async function requestRuns(
    projectId: string,
    environment: string,
    path: string,
    event: { eventId: string; revision: bigint; commitTime?: Timestamp },
    recursiveOnly = false,
  ): Promise<number> {
    const { exact, ancestors } = watchingSourcePaths(path);
    const candidates = await traced("secret_syncs.find_for_change", () =>
      store.findSyncsSeeing(db, projectId, environment, exact, ancestors),
    );
    const queued = await deps.runs.enqueue(
      candidates.filter((sync) => sync.autoSync && (!recursiveOnly || sync.sourceRecursive)).map((sync) => sync.id),
      (sync) =>
        sync.autoSync && !sync.deletionRequestedAt
          ? {
              action: SyncAction.SYNC,
              trigger: SyncTrigger.SOURCE_CHANGE,
              revision: event.revision,
              runId: runIdForEvent(event.eventId, sync.id),
              ...(event.commitTime ? { commitTime: timestampDate(event.commitTime) } : {}),
            }
          : undefined,
    );
    return queued.length;
  }

  /** Fails the syncs whose source is gone; nothing is queued for them and their queued runs are cancelled. */
  async function failLostSources(projectId: string, loss: SourceLoss): Promise<number> {
    const affected = await store.findSyncsWithin(db, projectId, loss.environment, loss.path);
    if (affected.length === 0) return 0;
    await traced("secret_syncs.source_lost", () =>
      db.transaction(async (tx) => {
        for (const sync of await store.lockSyncs(
          tx,
          affected.map((s) => s.id),
        )) {
          const message = sourceLossMessage(loss, { environment: sync.sourceEnvironment, path: sync.sourcePath });
          await deps.runs.cancelQueued(tx, sync.id, [SyncAction.SYNC, SyncAction.IMPORT], `cancelled: ${message}`);
          await setStatus(tx, sync.id, SyncAction.SYNC, {
            state: SyncState.FAILED,
            runId: null,
            message,
            sourceRevision: 0n,
            startedAt: null,
            endedAt: new Date(),
          });
          await recordSyncOutcome(tx, { sync, state: SyncState.FAILED, failureKind: "not_found", message });
        }
      }),
    );
    deps.watchers.notify(affected.map((sync) => sync.id));
    return affected.length;
  }

  return {
    async applySourceEvent(event: SourceChangeEvent): Promise<ChangeOutcome> {
      const loss = sourceLossOf(event);
      if (!loss)
        return { requested: await requestRuns(event.projectId, event.environment, event.path, event), failed: 0 };
      const failed = await failLostSources(event.projectId, loss);
      // Recursive syncs above a deleted folder lose part of their subtree: a change for them.
      const parent = loss.path === "/" ? undefined : loss.path.slice(0, loss.path.lastIndexOf("/")) || "/";
      const requested = parent ? await requestRuns(event.projectId, loss.environment, parent, event, true) : 0;
      return { requested, failed };
    },

    async applyConnectionEvent(event: ConnectionChangeEvent): Promise<ChangeOutcome> {
      const syncs = await store.findSyncsOfConnection(db, event.connectionId);
      if (event.kind === ConnectionChangeKind.CREDENTIALS_UPDATED) {
        // New credentials may cure what failed: the reconciler's backoff starts over (manual syncs too).
        await resetRetries(
          db,
          syncs.map((sync) => sync.id),
          SyncAction.SYNC,
        );
        const queued = await deps.runs.enqueue(
          syncs.filter((sync) => sync.autoSync).map((sync) => sync.id),
          (sync) =>
            sync.autoSync && !sync.deletionRequestedAt && sync.connectionId === event.connectionId
              ? {
                  action: SyncAction.SYNC,
                  trigger: SyncTrigger.CREDENTIALS_UPDATED,
                  revision: 0n,
                  runId: runIdForEvent(event.eventId, sync.id),
                }
              : undefined,
        );
        return { requested: queued.length, failed: 0 };
      }
      const lost = syncsLosingConnection(event, syncs);
      if (lost.length === 0) return { requested: 0, failed: 0 };
      const message =
        event.kind === ConnectionChangeKind.UNSHARED
          ? `the connection ${event.connectionId} is no longer shared with this project; the destination was left unchanged; give the sync another connection (UpdateSecretSync)`
          : `the connection ${event.connectionId} was deleted; the destination was left unchanged; give the sync another connection (UpdateSecretSync)`;
      await db.transaction(async (tx) => {
        for (const sync of await store.lockSyncs(
          tx,
          lost.map((s) => s.id),
        )) {
          if (sync.connectionId !== event.connectionId) continue;
          await deps.runs.cancelQueued(tx, sync.id, [SyncAction.SYNC, SyncAction.IMPORT], `cancelled: ${message}`);
          await setStatus(tx, sync.id, SyncAction.SYNC, {
            state: SyncState.FAILED,
            runId: null,
            message,
            sourceRevision: 0n,
            startedAt: null,
            endedAt: new Date(),
          });
          await recordSyncOutcome(tx, { sync, state: SyncState.FAILED, failureKind: "not_found", message });
        }
      });
      deps.watchers.notify(lost.map((sync) => sync.id));
      return { requested: 0, failed: lost.length };
    },
  };
}

/** The syncs an event takes the connection from: all of them on deletion, one project's on UNSHARED. */
function syncsLosingConnection<S extends { projectId: string }>(
  event: ConnectionChangeEvent,
  syncs: readonly S[],
): S[] {
  if (event.kind === ConnectionChangeKind.DELETED) return [...syncs];
  if (event.kind === ConnectionChangeKind.UNSHARED) return syncs.filter((sync) => sync.projectId === event.projectId);
  return [];
}

export type SourceChanges = ReturnType<typeof createSourceChanges>;
