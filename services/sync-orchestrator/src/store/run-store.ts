import {
  and,
  count,
  desc,
  eq,
  getTableColumns,
  gt,
  inArray,
  isNotNull,
  isNull,
  lt,
  ne,
  sql,
  type SQL,
} from "drizzle-orm";
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

/** Inserts runs, skipping ids that exist (a redelivered event); returns those inserted. */
export async function insertRuns(db: Database, rows: readonly NewRunRow[]): Promise<RunRow[]> {
  if (rows.length === 0) return [];
  return db
    .insert(syncRuns)
    .values([...rows])
    .onConflictDoNothing({ target: syncRuns.id })
    .returning();
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

/** A sync's action: the key of "the newest (pending) run of" lookups done for many syncs at once. */
export interface SyncActionKey {
  readonly syncId: string;
  readonly action: number;
}

/**
 * The newest run of each of these sync actions — only among PENDING ones when `pendingOnly` (what a
 * request folds into) — keyed by `${syncId}/${action}`. One statement for any number of keys.
 */
export async function findNewestRuns(
  db: Database,
  keys: readonly SyncActionKey[],
  pendingOnly: boolean,
): Promise<Map<string, RunRow>> {
  const newest = new Map<string, RunRow>();
  if (keys.length === 0) return newest;
  const wanted = new Set(keys.map(syncActionKey));
  const rows = await db
    .selectDistinctOn([syncRuns.syncId, syncRuns.action])
    .from(syncRuns)
    .where(
      and(
        inArray(syncRuns.syncId, [...new Set(keys.map((k) => k.syncId))]),
        inArray(syncRuns.action, [...new Set(keys.map((k) => k.action))]),
        ...(pendingOnly ? [eq(syncRuns.state, SyncState.PENDING)] : []),
      ),
    )
    .orderBy(syncRuns.syncId, syncRuns.action, desc(syncRuns.seq));
  for (const row of rows) if (wanted.has(syncActionKey(row))) newest.set(syncActionKey(row), row);
  return newest;
}

export const syncActionKey = (key: SyncActionKey): string => `${key.syncId}/${key.action}`;

/**
 * The source commit time a new run must carry over from the newest run of its sync action (see
 * `findUnwrittenCommitTime`), decided on that run as `findNewestRuns` returned it.
 */
export function unwrittenCommitTimeOf(newest: RunRow | undefined): Date | undefined {
  if (!newest || newest.state !== SyncState.FAILED || newest.failureKind === "") return undefined;
  return newest.sourceCommitTime ?? undefined;
}

/** One request folded into a pending run (the fields of `foldIntoRun`); absent fields leave the run's. */
export interface RunFold {
  readonly runId: string;
  readonly revision: bigint;
  readonly requestedAt: Date | null;
  readonly importBehavior?: number;
  readonly trigger?: number;
  readonly commitTime?: Date;
}

/**
 * `foldIntoRun` for many runs in one statement: each fold is a row of a VALUES list joined to its
 * run (drizzle has no VALUES table, hence the raw SQL of the list). Each run id must appear once.
 */
export async function foldIntoRuns(db: Database, folds: readonly RunFold[]): Promise<RunRow[]> {
  if (folds.length === 0) return [];
  const rows = folds.map(
    (f) =>
      sql`(${f.runId}::uuid, ${f.revision.toString()}::bigint, ${f.requestedAt?.toISOString() ?? null}::timestamptz, ${
        f.importBehavior || null
      }::integer, ${f.trigger || null}::integer, ${f.commitTime?.toISOString() ?? null}::timestamptz)`,
  );
  const columns = sql`fold(run_id, revision, requested_at, import_behavior, trigger, commit_time)`;
  const fold = sql`(values ${sql.join(rows, sql`, `)}) as ${columns}`;
  return db
    .update(syncRuns)
    .set({
      coalescedRequests: sql`${syncRuns.coalescedRequests} + 1`,
      requestedRevision: sql`greatest(${syncRuns.requestedRevision}, fold.revision)`,
      // least() ignores a null: a run that carried no change takes this one's time; a fold without one changes nothing.
      sourceCommitTime: sql`least(${syncRuns.sourceCommitTime}, fold.commit_time)`,
      manualRequestedAt: sql`coalesce(fold.requested_at, ${syncRuns.manualRequestedAt})`,
      importBehavior: sql`coalesce(fold.import_behavior, ${syncRuns.importBehavior})`,
      trigger: sql`coalesce(fold.trigger, ${syncRuns.trigger})`,
    })
    .from(fold)
    .where(sql`${syncRuns.id} = fold.run_id`)
    .returning(getTableColumns(syncRuns));
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

/** Applies one patch to several runs (e.g. ends the queued drift checks a push replaces). */
export async function updateRuns(db: Database, ids: readonly string[], patch: Partial<NewRunRow>): Promise<void> {
  if (ids.length === 0) return;
  await db
    .update(syncRuns)
    .set(patch)
    .where(inArray(syncRuns.id, [...ids]));
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

/**
 * `pruneRuns` for many syncs in one statement: of each sync's runs, those ranked past the newest
 * `keep` are deleted when finished — the same runs `pruneRuns` deletes one sync at a time.
 */
export async function pruneRunsOf(db: Database, syncIds: readonly string[], keep: number): Promise<number> {
  if (syncIds.length === 0) return 0;
  const ranked = db
    .select({
      id: syncRuns.id,
      rank: sql<number>`row_number() over (partition by ${syncRuns.syncId} order by ${syncRuns.seq} desc)`.as("rank"),
    })
    .from(syncRuns)
    .where(inArray(syncRuns.syncId, [...syncIds]))
    .as("ranked");
  const beyond = db.select({ id: ranked.id }).from(ranked).where(gt(ranked.rank, keep));
  const deleted = await db
    .delete(syncRuns)
    .where(and(inArray(syncRuns.id, beyond), inArray(syncRuns.state, FINISHED)))
    .returning({ id: syncRuns.id });
  return deleted.length;
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
