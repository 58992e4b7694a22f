import { randomUUID } from "node:crypto";
import { create, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import type { Database } from "@syncline/db";
import { injectTraceContext } from "@syncline/telemetry";
import type { OutboxTable } from "./outbox-table.ts";

/**
 * Adds an event to the outbox inside the caller's transaction, with the current trace context so
 * the relay's publish continues the request's trace. Returns the event id (= Nats-Msg-Id).
 * `withId` lets the event carry its own id in a field before it is serialised.
 */
export async function enqueueEvent<D extends DescMessage>(
  tx: Database,
  table: OutboxTable,
  event: { subject: string; schema: D; message: (eventId: string) => MessageInitShape<D> },
): Promise<string> {
  const id = randomUUID();
  const payload = toBinary(event.schema, create(event.schema, event.message(id)));
  await tx.insert(table).values({
    id,
    subject: event.subject,
    typeName: event.schema.typeName,
    payload: Buffer.from(payload),
    traceContext: injectTraceContext(),
  });
  return id;
}

/** Adds an already encoded event with its own id (the caller put the id inside the event). */
export async function enqueueEncoded(
  tx: Database,
  table: OutboxTable,
  event: { id: string; subject: string; typeName: string; payload: Uint8Array },
): Promise<void> {
  await tx.insert(table).values({
    id: event.id,
    subject: event.subject,
    typeName: event.typeName,
    payload: Buffer.from(event.payload),
    traceContext: injectTraceContext(),
  });
}

/**
 * Adds already encoded events (each with its own id) in one statement, in the given order (the
 * outbox sequence follows the rows), so a write with many events costs one round trip.
 */
export async function enqueueEncodedMany(
  tx: Database,
  table: OutboxTable,
  events: ReadonlyArray<{ id: string; subject: string; typeName: string; payload: Uint8Array }>,
): Promise<void> {
  const traceContext = injectTraceContext();
  // PostgreSQL takes at most 65,535 parameters per statement (five per row here).
  for (let i = 0; i < events.length; i += EVENTS_PER_INSERT) {
    await tx.insert(table).values(
      events.slice(i, i + EVENTS_PER_INSERT).map((event) => ({
        id: event.id,
        subject: event.subject,
        typeName: event.typeName,
        payload: Buffer.from(event.payload),
        traceContext,
      })),
    );
  }
}

const EVENTS_PER_INSERT = 10_000;
