import type { Database } from "@syncline/db";
import { enqueueEncoded, enqueueEncodedMany } from "@syncline/outbox";
import { count } from "drizzle-orm";
import { outbox } from "./schema.ts";

/** Adds an encoded change event (its id inside it) to the outbox, in the caller's write transaction. */
export async function enqueueChangeEvent(
  tx: Database,
  event: { id: string; subject: string; typeName: string; payload: Uint8Array },
): Promise<void> {
  await enqueueEncoded(tx, outbox, event);
}

/** A change event encoded for the outbox, its id inside it. */
export interface EncodedChangeEvent {
  readonly id: string;
  readonly subject: string;
  readonly typeName: string;
  readonly payload: Uint8Array;
}

/** Adds encoded change events in one statement, in order (the relay publishes them in this order). */
export async function enqueueChangeEvents(tx: Database, events: readonly EncodedChangeEvent[]): Promise<void> {
  await enqueueEncodedMany(tx, outbox, events);
}

/** Change events committed but not yet published by the relay. */
export async function countPendingEvents(db: Database): Promise<number> {
  return (await db.select({ n: count() }).from(outbox))[0]?.n ?? 0;
}
