import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { syncActionStatuses } from "./schema.ts";

/** Queries of the per-action statuses of syncs (the latest run of sync, import and remove). */

export type StatusRow = typeof syncActionStatuses.$inferSelect;

/** Statuses of several syncs: sync id → action → status. */
export async function statusesOf(
  db: Database,
  syncIds: readonly string[],
): Promise<Map<string, Map<number, StatusRow>>> {
  const byId = new Map<string, Map<number, StatusRow>>();
  if (syncIds.length === 0) return byId;
  const rows = await db
    .select()
    .from(syncActionStatuses)
    .where(inArray(syncActionStatuses.syncId, [...syncIds]));
  for (const row of rows) {
    const actions = byId.get(row.syncId) ?? new Map<number, StatusRow>();
    actions.set(row.action, row);
    byId.set(row.syncId, actions);
  }
  return byId;
}

export async function findStatus(db: Database, syncId: string, action: number): Promise<StatusRow | undefined> {
  return (
    await db
      .select()
      .from(syncActionStatuses)
      .where(and(eq(syncActionStatuses.syncId, syncId), eq(syncActionStatuses.action, action)))
  )[0];
}

/** The fields of a status a change may set (the fence `written_revision` has its own function). */
export type StatusPatch = Partial<
  Pick<
    StatusRow,
    | "state"
    | "runId"
    | "message"
    | "sourceRevision"
    | "startedAt"
    | "endedAt"
    | "failureKind"
    | "retryCount"
    | "nextRetryAt"
  >
>;

/**
 * A status change clears the failure kind and the reconciler's next retry unless it sets them:
 * only the recording of a failed run schedules a retry, and any later change (a run queued, begun
 * or finished, the source lost) makes that retry moot. The retry count stays unless set.
 */
const changeOf = (patch: StatusPatch) => ({ failureKind: "", nextRetryAt: null, ...patch, updatedAt: new Date() });

/** Sets a status outright (creating it), e.g. when a run is queued or the source is lost. */
export async function setStatus(db: Database, syncId: string, action: number, patch: StatusPatch): Promise<void> {
  const values = changeOf(patch);
  await db
    .insert(syncActionStatuses)
    .values({ syncId, action, ...values })
    .onConflictDoUpdate({ target: [syncActionStatuses.syncId, syncActionStatuses.action], set: values });
}

/**
 * `setStatus` for many sync actions in one statement: each gets `patch` with its own run id (a run
 * queued for each). On conflict every column the patch sets is taken from the row proposed for it.
 */
export async function setStatuses(
  db: Database,
  targets: readonly { syncId: string; action: number; runId: string | null }[],
  patch: Omit<StatusPatch, "runId">,
): Promise<void> {
  if (targets.length === 0) return;
  const values = changeOf(patch);
  const rows = targets.map(({ syncId, action, runId }) => ({ syncId, action, ...values, runId }));
  const columns = Object.keys(rows[0]!).filter(
    (key) => key !== "syncId" && key !== "action",
  ) as (keyof typeof values)[];
  const set = Object.fromEntries(
    columns.map((key) => [key, sql.raw(`excluded."${syncActionStatuses[key as "runId"].name}"`)]),
  );
  await db
    .insert(syncActionStatuses)
    .values(rows)
    .onConflictDoUpdate({ target: [syncActionStatuses.syncId, syncActionStatuses.action], set });
}

/** Updates a status only while it still describes `runId` (a newer run's status is never overwritten by an older run). */
export async function setStatusOfRun(
  db: Database,
  syncId: string,
  action: number,
  runId: string,
  patch: StatusPatch,
): Promise<boolean> {
  const updated = await db
    .update(syncActionStatuses)
    .set(changeOf(patch))
    .where(
      and(
        eq(syncActionStatuses.syncId, syncId),
        eq(syncActionStatuses.action, action),
        eq(syncActionStatuses.runId, runId),
      ),
    )
    .returning({ syncId: syncActionStatuses.syncId });
  return updated.length > 0;
}

/** Raises the fence of an action: no run of it may write an older source revision afterwards. */
export async function raiseWrittenRevision(
  db: Database,
  syncId: string,
  action: number,
  revision: bigint,
): Promise<void> {
  await db
    .insert(syncActionStatuses)
    .values({ syncId, action, writtenRevision: revision })
    .onConflictDoUpdate({
      target: [syncActionStatuses.syncId, syncActionStatuses.action],
      set: { writtenRevision: sql`greatest(${syncActionStatuses.writtenRevision}, ${revision})` },
    });
}

/**
 * Restarts the reconciler's backoff of the sync action of these syncs (their configuration or
 * credentials changed): the retry count goes back to 0 and a retry that was scheduled is due now.
 */
export async function resetRetries(db: Database, syncIds: readonly string[], action: number): Promise<void> {
  if (syncIds.length === 0) return;
  await db
    .update(syncActionStatuses)
    .set({
      retryCount: 0,
      nextRetryAt: sql`case when ${syncActionStatuses.nextRetryAt} is null then null else now() end`,
    })
    .where(and(inArray(syncActionStatuses.syncId, [...syncIds]), eq(syncActionStatuses.action, action)));
}
