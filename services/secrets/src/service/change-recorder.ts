import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import { subjects } from "@syncline/bus";
import type { Database } from "@syncline/db";
import { KeyChangeKind, SourceChangeEventSchema } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { injectTraceContext } from "@syncline/telemetry";
import { enqueueOutbox } from "../store/outbox-store.ts";

/** One changed key of a folder. */
export interface KeyChangeInput {
  readonly key: string;
  readonly kind: KeyChangeKind;
}

/**
 * Writes the change event of a folder write into the outbox, in the write's transaction, with the
 * current trace context so the relay's publish continues the API call's trace. Never a value.
 */
export async function recordChange(
  tx: Database,
  change: { projectId: string; environment: string; path: string; revision: bigint; changes: readonly KeyChangeInput[] },
): Promise<void> {
  const eventId = randomUUID();
  const event = create(SourceChangeEventSchema, {
    eventId,
    projectId: change.projectId,
    environment: change.environment,
    path: change.path,
    revision: change.revision,
    changes: change.changes.map((c) => ({ key: c.key, kind: c.kind })),
    commitTime: timestampNow(),
  });
  await enqueueOutbox(tx, {
    id: eventId,
    subject: subjects.sourceChange(change.projectId, change.environment),
    payload: toBinary(SourceChangeEventSchema, event),
    traceContext: injectTraceContext(),
  });
}

export { KeyChangeKind };
