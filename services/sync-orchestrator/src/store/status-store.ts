import { and, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { syncActionStatuses } from "./schema.ts";

/** Queries of the per-action statuses of syncs (the latest run of sync, import and remove). */

export type StatusRow = typeof syncActionStatuses.$inferSelect;

/** Statuses of several syncs: sync id → action → status. */
export async function statusesOf(db: Database, syncIds: readonly string[]): Promise<Map<string, Map<number, StatusRow>>> {
  const byId = new Map<string, Map<number, StatusRow>>();
  if (syncIds.length === 0) return byId;
  const rows = await db.select().from(syncActionStatuses).where(inArray(syncActionStatuses.syncId, [...syncIds]));
  for (const row of rows) {
    const actions = byId.get(row.syncId) ?? new Map<number, StatusRow>();
    actions.set(row.action, row);
    byId.set(row.syncId, actions);
  }
  return byId;
}

export async function findStatus(db: Database, syncId: string, action: number): Promise<StatusRow | undefined> {
  return (await db.select().from(syncActionStatuses).where(and(eq(syncActionStatuses.syncId, syncId), eq(syncActionStatuses.action, action))))[0];
}

/** The fields of a status a change may set (the fence `written_revision` has its own function). */
export type StatusPatch = Partial<Pick<StatusRow, "state" | "runId" | "message" | "sourceRevision" | "startedAt" | "endedAt">>;

/** Sets a status outright (creating it), e.g. when a run is queued or the source is lost. */
export async function setStatus(db: Database, syncId: string, action: number, patch: StatusPatch): Promise<void> {
  const values = { ...patch, updatedAt: new Date() };
  await db
    .insert(syncActionStatuses)
    .values({ syncId, action, ...values })
    .onConflictDoUpdate({ target: [syncActionStatuses.syncId, syncActionStatuses.action], set: values });
}

/** Updates a status only while it still describes `runId` (a newer run's status is never overwritten by an older run). */
export async function setStatusOfRun(db: Database, syncId: string, action: number, runId: string, patch: StatusPatch): Promise<boolean> {
  const updated = await db
    .update(syncActionStatuses)
    .set({ ...patch, updatedAt: new Date() })
    .where(and(eq(syncActionStatuses.syncId, syncId), eq(syncActionStatuses.action, action), eq(syncActionStatuses.runId, runId)))
    .returning({ syncId: syncActionStatuses.syncId });
  return updated.length > 0;
}

/** Raises the fence of an action: no run of it may write an older source revision afterwards. */
export async function raiseWrittenRevision(db: Database, syncId: string, action: number, revision: bigint): Promise<void> {
  await db
    .insert(syncActionStatuses)
    .values({ syncId, action, writtenRevision: revision })
    .onConflictDoUpdate({
      target: [syncActionStatuses.syncId, syncActionStatuses.action],
      set: { writtenRevision: sql`greatest(${syncActionStatuses.writtenRevision}, ${revision})` },
    });
}
