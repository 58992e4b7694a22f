import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { appConnections, connectionShares } from "./schema.ts";

/** Queries of connection sharing. Every function runs on the executor it is given (db or transaction). */

/**
 * The owner project of connection `id` and whether it is shared with `projectId` (one primary-key
 * lookup each, in one statement); undefined when there is no such connection.
 */
export async function findConnectionReach(
  tx: Database,
  id: string,
  projectId: string | undefined,
): Promise<{ ownerProjectId: string; sharedWithProject: boolean } | undefined> {
  const [row] = await tx
    .select({
      ownerProjectId: appConnections.projectId,
      sharedWithProject:
        projectId === undefined
          ? sql<boolean>`false`
          : sql<boolean>`exists (select 1 from ${connectionShares} where ${connectionShares.connectionId} = ${appConnections.id} and ${connectionShares.projectId} = ${projectId})`,
    })
    .from(appConnections)
    .where(eq(appConnections.id, id));
  return row;
}

/** The projects each of `connectionIds` is shared with, in project id order (absent: none). */
export async function listSharedProjects(
  tx: Database,
  connectionIds: readonly string[],
): Promise<Map<string, string[]>> {
  const shared = new Map<string, string[]>();
  if (connectionIds.length === 0) return shared;
  const rows = await tx
    .select()
    .from(connectionShares)
    .where(inArray(connectionShares.connectionId, [...connectionIds]))
    .orderBy(asc(connectionShares.connectionId), asc(connectionShares.projectId));
  for (const row of rows) shared.set(row.connectionId, [...(shared.get(row.connectionId) ?? []), row.projectId]);
  return shared;
}

/** Makes `projectIds` the exact set of projects connection `id` is shared with; returns those taken away. */
export async function replaceShares(tx: Database, id: string, projectIds: readonly string[]): Promise<string[]> {
  const before = (await listSharedProjects(tx, [id])).get(id) ?? [];
  const removed = before.filter((projectId) => !projectIds.includes(projectId));
  if (removed.length > 0) {
    await tx
      .delete(connectionShares)
      .where(and(eq(connectionShares.connectionId, id), inArray(connectionShares.projectId, removed)));
  }
  const added = projectIds.filter((projectId) => !before.includes(projectId));
  if (added.length > 0) {
    await tx.insert(connectionShares).values(added.map((projectId) => ({ connectionId: id, projectId })));
  }
  return removed;
}

/** Locks connection `id` against concurrent sharing changes; its owner project, undefined when there is none. */
export async function lockConnectionOwner(tx: Database, id: string): Promise<string | undefined> {
  const [row] = await tx
    .select({ projectId: appConnections.projectId })
    .from(appConnections)
    .where(eq(appConnections.id, id))
    .for("update");
  return row?.projectId;
}
