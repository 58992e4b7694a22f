import { timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
import { subjects, type EventPublisher } from "@syncline/bus";
import { SyncRunRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { RunGrants } from "../service/run-grants.ts";
import type { RunRow } from "../store/run-store.ts";
import type { SyncRow } from "../store/sync-store.ts";

/** How one request is published. */
export interface PublishOptions {
  /** Names a deliberate second copy (see `createRunRequestPublisher`). */
  readonly copy?: string;
  /** The sync as the run was queued for it: a SYNC request then carries a read grant for it. */
  readonly sync?: SyncRow;
}

/** The subject token of a destination kind: its enum name without `DESTINATION_`, lower-cased (`DESTINATION_X_Y` → `x_y`). */
export function destinationSubjectToken(destination: Destination): string {
  const name = Destination[destination];
  return (name ?? `destination_${destination}`).toLowerCase();
}

/**
 * Publishes run requests on `syncline.runs.requests.<destination>` with the run id as
 * Nats-Msg-Id, so publishing one again within the stream's window is dropped by the server.
 * `copy` names a deliberate second copy (a request stuck with a stopped worker), which must not
 * be dropped as a duplicate; BeginSyncRun lets only one copy run. With `grants`, a request published
 * with its sync carries the read grant of `RunGrants.forRequest` (`SyncRunRequest.read_grant`), so the
 * worker reads the source while it claims the run.
 */
export function createRunRequestPublisher(publisher: EventPublisher, grants?: RunGrants) {
  return {
    async publish(run: RunRow, destination: Destination, options: PublishOptions = {}): Promise<void> {
      const { copy, sync } = options;
      const readGrant = sync ? await grants?.forRequest(sync, run) : undefined;
      await publisher.publish(
        subjects.runRequest(destinationSubjectToken(destination)),
        SyncRunRequestSchema,
        {
          runId: run.id,
          secretSyncId: run.syncId,
          action: run.action,
          trigger: run.trigger,
          destination,
          sourceRevision: run.requestedRevision,
          importBehavior: run.importBehavior,
          requestTime: timestampNow(),
          ...(run.sourceCommitTime ? { sourceCommitTime: timestampFromDate(run.sourceCommitTime) } : {}),
          ...(readGrant ? { readGrant } : {}),
        },
        { msgId: copy ? `run-request/${run.id}/${copy}` : `run-request/${run.id}` },
      );
    },
  };
}

export type RunRequestPublisher = ReturnType<typeof createRunRequestPublisher>;
