import { and, desc, eq, inArray, lt, sql } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { secretSyncs, syncRuns } from "./schema.ts";

/** Queries of syncs and runs. Every function runs on the executor it is given (db or transaction). */

export type SyncRow = typeof secretSyncs.$inferSelect;
export type NewSyncRow = typeof secretSyncs.$inferInsert;
export type RunRow = typeof syncRuns.$inferSelect;
export type NewRunRow = typeof syncRuns.$inferInsert;

export async function findSync(db: Database, id: string): Promise<SyncRow | undefined> {
  return (await db.select().from(secretSyncs).where(eq(secretSyncs.id, id)))[0];
}

export async function listSyncs(db: Database, projectId: string): Promise<SyncRow[]> {
  return db.select().from(secretSyncs).where(eq(secretSyncs.projectId, projectId)).orderBy(secretSyncs.name);
}

/** Auto-syncs whose source is exactly the changed folder. */
export async function findAutoSyncsForSource(db: Database, projectId: string, environment: string, path: string): Promise<SyncRow[]> {
  return db
    .select()
    .from(secretSyncs)
    .where(and(eq(secretSyncs.projectId, projectId), eq(secretSyncs.sourceEnvironment, environment), eq(secretSyncs.sourcePath, path), eq(secretSyncs.autoSync, true)));
}

/** Inserts runs that do not exist yet; returns the ids actually inserted. */
export async function insertRuns(db: Database, runs: readonly NewRunRow[]): Promise<Set<string>> {
  if (runs.length === 0) return new Set();
  const inserted = await db.insert(syncRuns).values([...runs]).onConflictDoNothing({ target: syncRuns.id }).returning({ id: syncRuns.id });
  return new Set(inserted.map((row) => row.id));
}

export async function findRuns(db: Database, ids: readonly string[]): Promise<RunRow[]> {
  if (ids.length === 0) return [];
  return db.select().from(syncRuns).where(inArray(syncRuns.id, [...ids]));
}

export async function listRuns(db: Database, syncId: string, limit: number): Promise<RunRow[]> {
  return db.select().from(syncRuns).where(eq(syncRuns.syncId, syncId)).orderBy(desc(syncRuns.queuedAt), desc(syncRuns.id)).limit(limit);
}

/** Points the sync's status at a run. */
export async function setSyncStatus(db: Database, syncId: string, status: { state: number; runId: string; message: string }, onlyForRun?: string): Promise<void> {
  const where = onlyForRun ? and(eq(secretSyncs.id, syncId), eq(secretSyncs.syncRunId, onlyForRun)) : eq(secretSyncs.id, syncId);
  await db.update(secretSyncs).set({ syncState: status.state, syncRunId: status.runId, syncMessage: status.message, syncUpdatedAt: new Date() }).where(where);
}

export async function raiseLastSyncedRevision(db: Database, syncId: string, revision: bigint): Promise<void> {
  await db
    .update(secretSyncs)
    .set({ lastSyncedRevision: sql`greatest(${secretSyncs.lastSyncedRevision}, ${revision})` })
    .where(eq(secretSyncs.id, syncId));
}

/** PENDING runs that no worker has started (attempts = 0) and that were queued before `before`. */
export async function findUnstartedRuns(db: Database, before: Date, limit = 500): Promise<{ run: RunRow; destination: number }[]> {
  return db
    .select({ run: syncRuns, destination: secretSyncs.destination })
    .from(syncRuns)
    .innerJoin(secretSyncs, eq(secretSyncs.id, syncRuns.syncId))
    .where(and(eq(syncRuns.state, SyncState.PENDING), eq(syncRuns.attempts, 0), lt(syncRuns.queuedAt, before)))
    .limit(limit);
}
