import { timestampNow } from "@bufbuild/protobuf/wkt";
import { subjects } from "@syncline/bus";
import type { Database } from "@syncline/db";
import {
  ConnectionChangeEventSchema,
  ConnectionChangeKind,
} from "@syncline/gen/syncline/events/v1/connection_events_pb.js";
import { enqueueConnectionEvent } from "../store/outbox-store.ts";

/**
 * Records, in the caller's transaction, that a connection's credentials changed or that it was
 * deleted, so the orchestrator runs (or fails) the syncs using it. Carries the fingerprint, never
 * credentials.
 */
export async function recordConnectionChange(
  tx: Database,
  change: { projectId: string; connectionId: string; kind: ConnectionChangeKind; fingerprint: string },
): Promise<void> {
  await enqueueConnectionEvent(tx, {
    subject: subjects.connectionChange(change.projectId),
    schema: ConnectionChangeEventSchema,
    message: (eventId) => ({
      eventId,
      projectId: change.projectId,
      connectionId: change.connectionId,
      kind: change.kind,
      credentialsFingerprint: change.fingerprint,
      changeTime: timestampNow(),
    }),
  });
}

export { ConnectionChangeKind };
