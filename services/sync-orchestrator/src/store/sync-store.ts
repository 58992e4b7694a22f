import { and, asc, eq, gt, inArray, isNotNull, isNull, lte, or, sql, type SQL } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { SyncAction, SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { secretSyncs, syncActionStatuses, syncRuns } from "./schema.ts";

/** Queries of syncs. Every function runs on the executor it is given (db or transaction). */

export type SyncRow = typeof secretSyncs.$inferSelect;
export type NewSyncRow = typeof secretSyncs.$inferInsert;

export async function findSync(db: Database, id: string): Promise<SyncRow | undefined> {
  return (await db.select().from(secretSyncs).where(eq(secretSyncs.id, id)))[0];
}

/** Locks the sync's row for the transaction: every change to its runs, statuses and lease goes through this lock. */
export async function lockSync(db: Database, id: string): Promise<SyncRow | undefined> {
  return (await db.select().from(secretSyncs).where(eq(secretSyncs.id, id)).for("update"))[0];
}

/**
 * Locks the sync of run `runId` in one statement (the run's sync id looked up inside it); undefined
 * when the run or its sync is gone. Read the run again after this: it may have changed while waiting.
 */
export async function lockSyncOfRun(db: Database, runId: string): Promise<SyncRow | undefined> {
  const ofRun = db.select({ syncId: syncRuns.syncId }).from(syncRuns).where(eq(syncRuns.id, runId));
  return (await db.select().from(secretSyncs).where(inArray(secretSyncs.id, ofRun)).for("update"))[0];
}

/** Locks several syncs in id order (so concurrent transactions cannot deadlock). */
export async function lockSyncs(db: Database, ids: readonly string[]): Promise<SyncRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(secretSyncs)
    .where(inArray(secretSyncs.id, [...ids]))
    .orderBy(asc(secretSyncs.id))
    .for("update");
}

export async function findSyncByName(db: Database, projectId: string, name: string): Promise<SyncRow | undefined> {
  return (
    await db
      .select()
      .from(secretSyncs)
      .where(and(eq(secretSyncs.projectId, projectId), eq(secretSyncs.name, name)))
  )[0];
}

/** Filters of ListSecretSyncs; `afterName` continues a page. */
export interface SyncFilter {
  readonly projectId: string;
  readonly destination?: number;
  readonly connectionId?: string;
  /** State of the sync action; syncs whose sync action never ran have none. */
  readonly syncState?: number;
  readonly afterName?: string;
}

/** One page of a project's syncs, ordered by name. */
export async function listSyncs(db: Database, filter: SyncFilter, limit: number): Promise<SyncRow[]> {
  const conditions: SQL[] = [eq(secretSyncs.projectId, filter.projectId)];
  if (filter.destination !== undefined) conditions.push(eq(secretSyncs.destination, filter.destination));
  if (filter.connectionId !== undefined) conditions.push(eq(secretSyncs.connectionId, filter.connectionId));
  if (filter.afterName !== undefined) conditions.push(gt(secretSyncs.name, filter.afterName));
  if (filter.syncState !== undefined) {
    conditions.push(
      sql`exists (select 1 from ${syncActionStatuses} where ${syncActionStatuses.syncId} = ${secretSyncs.id} and ${syncActionStatuses.action} = ${SyncAction.SYNC} and ${syncActionStatuses.state} = ${filter.syncState})`,
    );
  }
  return db
    .select()
    .from(secretSyncs)
    .where(and(...conditions))
    .orderBy(asc(secretSyncs.name))
    .limit(limit);
}

/**
 * Syncs that see a change of `path`: sources at the folder itself, and recursive sources at one of
 * its ancestors. Syncs being deleted are left out.
 */
export async function findSyncsSeeing(
  db: Database,
  projectId: string,
  environment: string,
  path: string,
  ancestors: readonly string[],
): Promise<SyncRow[]> {
  const seen =
    ancestors.length > 0
      ? or(
          eq(secretSyncs.sourcePath, path),
          and(eq(secretSyncs.sourceRecursive, true), inArray(secretSyncs.sourcePath, [...ancestors])),
        )
      : eq(secretSyncs.sourcePath, path);
  return db
    .select()
    .from(secretSyncs)
    .where(
      and(
        eq(secretSyncs.projectId, projectId),
        eq(secretSyncs.sourceEnvironment, environment),
        seen,
        isNull(secretSyncs.deletionRequestedAt),
      ),
    );
}

/** Syncs whose source is `path` or lies below it (`/` means the whole environment). */
export async function findSyncsWithin(
  db: Database,
  projectId: string,
  environment: string,
  path: string,
): Promise<SyncRow[]> {
  const inside =
    path === "/"
      ? undefined
      : or(eq(secretSyncs.sourcePath, path), sql`starts_with(${secretSyncs.sourcePath}, ${`${path}/`})`);
  return db
    .select()
    .from(secretSyncs)
    .where(and(eq(secretSyncs.projectId, projectId), eq(secretSyncs.sourceEnvironment, environment), inside));
}

export async function findSyncsOfConnection(db: Database, connectionId: string): Promise<SyncRow[]> {
  return db.select().from(secretSyncs).where(eq(secretSyncs.connectionId, connectionId));
}

/** Syncs writing to a location that starts with `area` (a location is its own area), in any project. */
export async function findSyncsInArea(db: Database, destination: number, area: string): Promise<SyncRow[]> {
  return db
    .select()
    .from(secretSyncs)
    .where(
      and(eq(secretSyncs.destination, destination), sql`starts_with(${secretSyncs.destinationLocation}, ${area})`),
    );
}

/** Serialises overlap checks of one area across concurrent transactions (creates and updates). */
export async function lockArea(db: Database, destination: number, area: string): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(hashtext(${`${destination}:${area}`}))`);
}

export async function insertSync(db: Database, row: NewSyncRow): Promise<SyncRow> {
  const [created] = await db.insert(secretSyncs).values(row).returning();
  return created!;
}

/** Applies `patch` and bumps the version when the sync is still at `expectedVersion`; undefined otherwise. */
export async function updateSyncAtVersion(
  db: Database,
  id: string,
  expectedVersion: bigint,
  patch: Partial<NewSyncRow>,
): Promise<SyncRow | undefined> {
  const [updated] = await db
    .update(secretSyncs)
    .set({ ...patch, version: sql`${secretSyncs.version} + 1`, updatedAt: new Date() })
    .where(and(eq(secretSyncs.id, id), eq(secretSyncs.version, expectedVersion)))
    .returning();
  return updated;
}

/** Changes bookkeeping columns (lease, flags) without touching the configuration version. */
export async function patchSync(db: Database, id: string, patch: Partial<NewSyncRow>): Promise<void> {
  await db.update(secretSyncs).set(patch).where(eq(secretSyncs.id, id));
}

export async function deleteSync(db: Database, id: string): Promise<boolean> {
  const deleted = await db.delete(secretSyncs).where(eq(secretSyncs.id, id)).returning({ id: secretSyncs.id });
  return deleted.length > 0;
}

/**
 * What a run's result changes on its sync row, in one statement: the lease released (the run ended
 * or waits to retry) and the last synced revision raised (a successful sync run); nothing when
 * neither applies.
 */
export async function settleSync(
  db: Database,
  id: string,
  change: { readonly releaseLease: boolean; readonly syncedRevision?: bigint },
): Promise<void> {
  const synced = change.syncedRevision;
  if (!change.releaseLease && synced === undefined) return;
  await db
    .update(secretSyncs)
    .set({
      ...(change.releaseLease ? { leaseRunId: null, leaseId: null, leaseExpiresAt: null } : {}),
      ...(synced !== undefined
        ? { lastSyncedRevision: sql`greatest(${secretSyncs.lastSyncedRevision}, ${synced})` }
        : {}),
    })
    .where(eq(secretSyncs.id, id));
}

/** A failed sync action the reconciler is due to run again, with the trigger of the run that failed. */
export interface DueRetry {
  readonly sync: SyncRow;
  readonly failureKind: string;
  readonly failedTrigger: number;
}

/**
 * Locks up to `limit` syncs whose sync action FAILED and whose retry is due at `now`, skipping syncs
 * another transaction holds (another orchestrator replica's reconciler, a result being recorded):
 * each due retry is taken by one replica. Syncs being deleted are left out.
 */
export async function lockDueRetries(db: Database, now: Date, limit: number): Promise<DueRetry[]> {
  return db
    .select({
      sync: secretSyncs,
      failureKind: syncActionStatuses.failureKind,
      failedTrigger: sql<number>`coalesce(${syncRuns.trigger}, 0)`,
    })
    .from(secretSyncs)
    .innerJoin(
      syncActionStatuses,
      and(eq(syncActionStatuses.syncId, secretSyncs.id), eq(syncActionStatuses.action, SyncAction.SYNC)),
    )
    .leftJoin(syncRuns, eq(syncRuns.id, syncActionStatuses.runId))
    .where(
      and(
        eq(syncActionStatuses.state, SyncState.FAILED),
        lte(syncActionStatuses.nextRetryAt, now),
        isNull(secretSyncs.deletionRequestedAt),
      ),
    )
    .orderBy(asc(syncActionStatuses.nextRetryAt))
    .limit(limit)
    .for("update", { of: secretSyncs, skipLocked: true });
}

/** Locks up to `limit` syncs whose drift check is due at `now` (like `lockDueRetries`, skipping locked ones). */
export async function lockDueDriftChecks(db: Database, now: Date, limit: number): Promise<SyncRow[]> {
  return db
    .select()
    .from(secretSyncs)
    .where(
      and(
        isNotNull(secretSyncs.driftCheckIntervalMs),
        lte(secretSyncs.nextDriftCheckAt, now),
        isNull(secretSyncs.deletionRequestedAt),
      ),
    )
    .orderBy(asc(secretSyncs.nextDriftCheckAt))
    .limit(limit)
    .for("update", { skipLocked: true });
}

/** The latest drift report of up to `limit` syncs that check for drift (the drift gauge). */
export async function listDriftReports(
  db: Database,
  limit: number,
): Promise<{ id: string; report: SyncRow["driftReport"] }[]> {
  return db
    .select({ id: secretSyncs.id, report: secretSyncs.driftReport })
    .from(secretSyncs)
    .where(and(isNotNull(secretSyncs.driftReport), isNotNull(secretSyncs.driftCheckIntervalMs)))
    .limit(limit);
}

/** The project of sync `id` (a primary-key lookup); undefined when there is no such sync. */
export async function findSyncProject(db: Database, id: string): Promise<string | undefined> {
  const [row] = await db.select({ projectId: secretSyncs.projectId }).from(secretSyncs).where(eq(secretSyncs.id, id));
  return row?.projectId;
}
