import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import type { Database } from "@syncline/db";
import { enqueueEvent } from "@syncline/outbox";
import { outbox } from "./schema.ts";

/** Adds a connection change event to the outbox, in the caller's transaction; returns its id. */
export function enqueueConnectionEvent<D extends DescMessage>(
  tx: Database,
  event: { subject: string; schema: D; message: (eventId: string) => MessageInitShape<D> },
): Promise<string> {
  return enqueueEvent(tx, outbox, event);
}
