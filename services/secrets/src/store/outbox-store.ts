import type { Database } from "@syncline/db";
import { enqueueEncoded } from "@syncline/outbox";
import { count } from "drizzle-orm";
import { outbox } from "./schema.ts";

/** Adds an encoded change event (its id inside it) to the outbox, in the caller's write transaction. */
export async function enqueueChangeEvent(
  tx: Database,
  event: { id: string; subject: string; typeName: string; payload: Uint8Array },
): Promise<void> {
  await enqueueEncoded(tx, outbox, event);
}

/** Change events committed but not yet published by the relay. */
export async function countPendingEvents(db: Database): Promise<number> {
  return (await db.select({ n: count() }).from(outbox))[0]?.n ?? 0;
}
