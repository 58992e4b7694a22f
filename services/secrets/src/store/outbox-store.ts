import { randomUUID } from "node:crypto";
import { asc, inArray, sql } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { outbox } from "./schema.ts";

export type OutboxRow = typeof outbox.$inferSelect;

/** Adds an event to the outbox inside the caller's transaction; returns its id (the event id). */
export async function enqueueOutbox(tx: Database, entry: { id?: string; subject: string; payload: Uint8Array; traceContext: Record<string, string> }): Promise<string> {
  const id = entry.id ?? randomUUID();
  await tx.insert(outbox).values({ id, subject: entry.subject, payload: Buffer.from(entry.payload), traceContext: entry.traceContext });
  return id;
}

/** Oldest unpublished rows first: publishing in `seq` order keeps commit order per folder. */
export async function oldestOutboxRows(tx: Database, limit: number): Promise<OutboxRow[]> {
  return tx.select().from(outbox).orderBy(asc(outbox.seq)).limit(limit);
}

export async function deleteOutboxRows(tx: Database, seqs: readonly bigint[]): Promise<void> {
  if (seqs.length > 0) await tx.delete(outbox).where(inArray(outbox.seq, [...seqs]));
}

/** One relay at a time across replicas: a transaction-scoped advisory lock. */
export async function tryLockOutbox(tx: Database): Promise<boolean> {
  const result = await tx.execute<{ locked: boolean }>(sql`select pg_try_advisory_xact_lock(7325001) as locked`);
  const rows = (Array.isArray(result) ? result : (result as { rows: { locked: boolean }[] }).rows) as { locked: boolean }[];
  return rows[0]?.locked === true;
}
