import { and, count, desc, eq, inArray, isNotNull, isNull, lt, ne, sql, type SQL } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { SyncAction, SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { CoveringRun } from "../domain/run-begin.ts";
import { secretSyncs, syncRuns } from "./schema.ts";

/** Queries of runs. Every function runs on the executor it is given (db or transaction). */

export type RunRow = typeof syncRuns.$inferSelect;
export type NewRunRow = typeof syncRuns.$inferInsert;

const FINISHED = [SyncState.SUCCEEDED, SyncState.FAILED];

/** Inserts a run unless one with its id exists; returns it when inserted. */
export async function insertRun(db: Database, run: NewRunRow): Promise<RunRow | undefined> {
  const [inserted] = await db.insert(syncRuns).values(run).onConflictDoNothing({ target: syncRuns.id }).returning();
  return inserted;
}

export async function findRun(db: Database, id: string): Promise<RunRow | undefined> {
  return (await db.select().from(syncRuns).where(eq(syncRuns.id, id)))[0];
}

/**
 * The run, with the database's current time (to the millisecond) read in the same statement: what
 * a transaction holding the run's sync lock decides on (database-clock.ts).
 */
export async function findRunAtNow(db: Database, id: string): Promise<{ run: RunRow; now: Date } | undefined> {
  const [found] = await db
    .select({
      run: syncRuns,
      nowMs: sql<number>`floor(extract(epoch from clock_timestamp()) * 1000)::float8`.mapWith(Number),
    })
    .from(syncRuns)
    .where(eq(syncRuns.id, id));
  return found ? { run: found.run, now: new Date(found.nowMs) } : undefined;
}

export async function findRuns(db: Database, ids: readonly string[]): Promise<RunRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(syncRuns)
    .where(inArray(syncRuns.id, [...ids]));
}

/** The newest queued, not yet begun run of one action of a sync: further requests fold into it. */
export async function findPendingRun(db: Database, syncId: string, action: number): Promise<RunRow | undefined> {
  return (
    await db
      .select()
      .from(syncRuns)
      .where(and(eq(syncRuns.syncId, syncId), eq(syncRuns.action, action), eq(syncRuns.state, SyncState.PENDING)))
      .orderBy(desc(syncRuns.seq))
      .limit(1)
  )[0];
}

/**
 * Folds one more request into a pending run: counts it and raises the revision it must reach. A
 * request without a revision gives `requestedAt` (database clock): only a run begun after it can cover it.
 * A source change's `commitTime` lowers the run's source commit time (the oldest change it carries).
 */
export async function foldIntoRun(
  db: Database,
  runId: string,
  fold: { revision: bigint; requestedAt: Date | null; importBehavior?: number; trigger?: number; commitTime?: Date },
): Promise<RunRow> {
  const [run] = await db
    .update(syncRuns)
    .set({
      coalescedRequests: sql`${syncRuns.coalescedRequests} + 1`,
      requestedRevision: sql`greatest(${syncRuns.requestedRevision}, ${fold.revision})`,
      // least() ignores a null: a run that carried no change takes this one's time.
      ...(fold.commitTime
        ? { sourceCommitTime: sql`least(${syncRuns.sourceCommitTime}, ${fold.commitTime.toISOString()}::timestamptz)` }
        : {}),
      ...(fold.requestedAt ? { manualRequestedAt: fold.requestedAt } : {}),
      ...(fold.importBehavior ? { importBehavior: fold.importBehavior } : {}),
      ...(fold.trigger ? { trigger: fold.trigger } : {}),
    })
    .where(eq(syncRuns.id, runId))
    .returning();
  return run!;
}

/**
 * The successful runs of the same sync and action (other than `run`) that could cover it: the one
 * that wrote the newest source revision and the one begun last. Runs that were only superseded
 * did not read the source and are not among them (they have no begin time nor revision). Imports
 * cover only imports of the same behaviour.
 */
export async function findCoveringCandidates(db: Database, run: RunRow): Promise<CoveringRun[]> {
  const base = and(
    eq(syncRuns.syncId, run.syncId),
    eq(syncRuns.action, run.action),
    ne(syncRuns.id, run.id),
    eq(syncRuns.state, SyncState.SUCCEEDED),
    isNotNull(syncRuns.begunAt),
    ...(run.action === SyncAction.IMPORT ? [eq(syncRuns.importBehavior, run.importBehavior)] : []),
  );
  const columns = { id: syncRuns.id, sourceRevision: syncRuns.sourceRevision, begunAt: syncRuns.begunAt };
  const first = async (order: SQL) => (await db.select(columns).from(syncRuns).where(base).orderBy(order).limit(1))[0];
  const newestRevision = await first(desc(syncRuns.sourceRevision));
  const latestBegun = await first(desc(syncRuns.begunAt));
  return [newestRevision, latestBegun].filter((c) => c !== undefined);
}

/**
 * The source commit time a new run of a sync's action must carry over: that of the sync's newest run
 * when that run failed for a reason of the worker's (`failure_kind` set), since the changes it carried
 * were not written. Undefined when the newest run succeeded, is running, was cancelled or carried none.
 */
export async function findUnwrittenCommitTime(db: Database, syncId: string, action: number): Promise<Date | undefined> {
  const [newest] = await db
    .select({ state: syncRuns.state, failureKind: syncRuns.failureKind, commitTime: syncRuns.sourceCommitTime })
    .from(syncRuns)
    .where(and(eq(syncRuns.syncId, syncId), eq(syncRuns.action, action)))
    .orderBy(desc(syncRuns.seq))
    .limit(1);
  if (!newest || newest.state !== SyncState.FAILED || newest.failureKind === "") return undefined;
  return newest.commitTime ?? undefined;
}

export async function updateRun(db: Database, id: string, patch: Partial<NewRunRow>): Promise<RunRow | undefined> {
  const [run] = await db.update(syncRuns).set(patch).where(eq(syncRuns.id, id)).returning();
  return run;
}

/** Ends every queued (not begun) run of the given actions of a sync as FAILED with `message`. */
export async function cancelPendingRuns(
  db: Database,
  syncId: string,
  actions: readonly number[],
  message: string,
): Promise<{ id: string; action: number }[]> {
  return db
    .update(syncRuns)
    .set({ state: SyncState.FAILED, message, endedAt: new Date() })
    .where(
      and(eq(syncRuns.syncId, syncId), inArray(syncRuns.action, [...actions]), eq(syncRuns.state, SyncState.PENDING)),
    )
    .returning({ id: syncRuns.id, action: syncRuns.action });
}

export async function markPublished(db: Database, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(syncRuns)
    .set({ publishedAt: sql`clock_timestamp()` })
    .where(inArray(syncRuns.id, [...ids]));
}

/** Runs waiting for a worker (PENDING, including retries waiting out their backoff). */
export async function countPendingRuns(db: Database): Promise<number> {
  return (await db.select({ n: count() }).from(syncRuns).where(eq(syncRuns.state, SyncState.PENDING)))[0]?.n ?? 0;
}

/** A page of a sync's runs, newest first; `beforeSeq` continues a page. */
export async function listRuns(
  db: Database,
  syncId: string,
  options: { limit: number; action?: number; beforeSeq?: bigint },
): Promise<RunRow[]> {
  const conditions: SQL[] = [eq(syncRuns.syncId, syncId)];
  if (options.action !== undefined) conditions.push(eq(syncRuns.action, options.action));
  if (options.beforeSeq !== undefined) conditions.push(lt(syncRuns.seq, options.beforeSeq));
  return db
    .select()
    .from(syncRuns)
    .where(and(...conditions))
    .orderBy(desc(syncRuns.seq))
    .limit(options.limit);
}

/**
 * Queued runs whose request no worker has seen: never begun, and neither published, nor told
 * BUSY, nor queued in the last `olderThanMs` (database clock). Their requests are published again.
 */
export async function findUnstartedRuns(
  db: Database,
  olderThanMs: number,
  limit = 500,
): Promise<{ run: RunRow; destination: number }[]> {
  const seen = sql`coalesce(${syncRuns.lastSeenAt}, ${syncRuns.publishedAt}, ${syncRuns.queuedAt})`;
  return db
    .select({ run: syncRuns, destination: secretSyncs.destination })
    .from(syncRuns)
    .innerJoin(secretSyncs, eq(secretSyncs.id, syncRuns.syncId))
    .where(
      and(
        eq(syncRuns.state, SyncState.PENDING),
        isNull(syncRuns.begunAt),
        sql`${seen} < clock_timestamp() - make_interval(secs => ${olderThanMs / 1000})`,
      ),
    )
    .limit(limit);
}

/** Keeps the newest `keep` runs of a sync; older finished runs are deleted. Returns how many went. */
export async function pruneRuns(db: Database, syncId: string, keep: number): Promise<number> {
  const [boundary] = await db
    .select({ seq: syncRuns.seq })
    .from(syncRuns)
    .where(eq(syncRuns.syncId, syncId))
    .orderBy(desc(syncRuns.seq))
    .offset(keep - 1)
    .limit(1);
  if (!boundary) return 0;
  const deleted = await db
    .delete(syncRuns)
    .where(and(eq(syncRuns.syncId, syncId), lt(syncRuns.seq, boundary.seq), inArray(syncRuns.state, FINISHED)))
    .returning({ id: syncRuns.id });
  return deleted.length;
}
