import { and, eq, gt, ne, sql } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { projectDataKeys } from "./schema.ts";

/** Queries of the wrapped project data keys (see service/secret-sealer.ts). */

/** A project's wrapped data key as stored. */
export type DataKeyRow = typeof projectDataKeys.$inferSelect;

/** The project's wrapped data key, or undefined. */
export async function findDataKey(tx: Database, projectId: string): Promise<DataKeyRow | undefined> {
  return (await tx.select().from(projectDataKeys).where(eq(projectDataKeys.projectId, projectId)))[0];
}

/** Stores a project's wrapped data key unless one exists already (a concurrent writer won). */
export async function insertDataKey(
  tx: Database,
  row: { projectId: string; rootKeyId: string; wrappedKey: Buffer },
): Promise<void> {
  await tx.insert(projectDataKeys).values(row).onConflictDoNothing({ target: projectDataKeys.projectId });
}

/** How many data keys each root key wraps (start-up check and rotation report). */
export async function countDataKeysByRootKey(tx: Database): Promise<Map<string, number>> {
  const rows = await tx
    .select({ rootKeyId: projectDataKeys.rootKeyId, count: sql<number>`count(*)::int` })
    .from(projectDataKeys)
    .groupBy(projectDataKeys.rootKeyId);
  return new Map(rows.map((row) => [row.rootKeyId, Number(row.count)]));
}

/** Up to `limit` data keys not wrapped by `rootKeyId`, after `afterProjectId` in project order, locked for re-wrapping. */
export async function lockDataKeysNotWrappedBy(
  tx: Database,
  rootKeyId: string,
  afterProjectId: string,
  limit: number,
): Promise<DataKeyRow[]> {
  return tx
    .select()
    .from(projectDataKeys)
    .where(and(ne(projectDataKeys.rootKeyId, rootKeyId), gt(projectDataKeys.projectId, afterProjectId)))
    .orderBy(projectDataKeys.projectId)
    .limit(limit)
    .for("update");
}

/** Replaces a project's wrapped data key (rotation); the data key itself is unchanged. */
export async function rewrapDataKey(
  tx: Database,
  projectId: string,
  row: { rootKeyId: string; wrappedKey: Buffer },
): Promise<void> {
  await tx
    .update(projectDataKeys)
    .set({ ...row, rewrappedAt: new Date() })
    .where(eq(projectDataKeys.projectId, projectId));
}
