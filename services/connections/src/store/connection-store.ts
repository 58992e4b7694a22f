import { and, asc, eq, gt, isNull, ne, or, sql } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { appConnections, connectionShares } from "./schema.ts";

/** Queries of app connections. Every function runs on the executor it is given (db or transaction). */

export type ConnectionRow = typeof appConnections.$inferSelect;
export type NewConnectionRow = typeof appConnections.$inferInsert;

export async function insertConnection(tx: Database, row: NewConnectionRow): Promise<ConnectionRow> {
  const [inserted] = await tx.insert(appConnections).values(row).returning();
  return inserted!;
}

export async function findConnection(tx: Database, id: string): Promise<ConnectionRow | undefined> {
  return (await tx.select().from(appConnections).where(eq(appConnections.id, id)))[0];
}

export async function findConnectionByName(
  tx: Database,
  projectId: string,
  name: string,
): Promise<ConnectionRow | undefined> {
  return (
    await tx
      .select()
      .from(appConnections)
      .where(and(eq(appConnections.projectId, projectId), eq(appConnections.name, name)))
  )[0];
}

/**
 * The connections available to a project — its own and those shared with it — in (name, id) order
 * after `page.after` (two projects' connections may share a name), at most `page.limit`.
 */
export async function listProjectConnections(
  tx: Database,
  projectId: string,
  page: { readonly after: { readonly name: string; readonly id?: string } | undefined; readonly limit: number },
): Promise<ConnectionRow[]> {
  const after = page.after;
  return tx
    .select()
    .from(appConnections)
    .where(
      and(
        or(
          eq(appConnections.projectId, projectId),
          sql`exists (select 1 from ${connectionShares} where ${connectionShares.connectionId} = ${appConnections.id} and ${connectionShares.projectId} = ${projectId})`,
        ),
        after === undefined
          ? undefined
          : after.id === undefined
            ? gt(appConnections.name, after.name)
            : sql`(${appConnections.name}, ${appConnections.id}) > (${after.name}, ${after.id}::uuid)`,
      ),
    )
    .orderBy(asc(appConnections.name), asc(appConnections.id))
    .limit(page.limit);
}

/** Deletes the connection and says whose it was; undefined when there was none. */
export async function deleteConnection(
  tx: Database,
  id: string,
): Promise<{ projectId: string; app: number } | undefined> {
  const [deleted] = await tx
    .delete(appConnections)
    .where(eq(appConnections.id, id))
    .returning({ projectId: appConnections.projectId, app: appConnections.app });
  return deleted;
}

/** Applies a partial update and returns the new row; undefined when there is no such connection. */
export async function updateConnection(
  tx: Database,
  id: string,
  patch: Partial<
    Pick<
      NewConnectionRow,
      | "name"
      | "description"
      | "method"
      | "sealedCredentials"
      | "rootKeyId"
      | "wrappedDataKey"
      | "redacted"
      | "fingerprint"
    >
  >,
): Promise<ConnectionRow | undefined> {
  const [updated] = await tx
    .update(appConnections)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(appConnections.id, id))
    .returning();
  return updated;
}

/** What a rotation reads and writes of a connection: its id and sealed credentials, never the rest. */
export type SealedColumns = Pick<ConnectionRow, "id" | "sealedCredentials" | "rootKeyId" | "wrappedDataKey">;

/**
 * Up to `limit` connections whose credentials are not under root key `rootKeyId` (other root key,
 * or sealed before envelope encryption), after `afterId` in id order, locked for re-wrapping.
 */
export async function lockConnectionsNotWrappedBy(
  tx: Database,
  rootKeyId: string,
  afterId: string,
  limit: number,
): Promise<SealedColumns[]> {
  return tx
    .select({
      id: appConnections.id,
      sealedCredentials: appConnections.sealedCredentials,
      rootKeyId: appConnections.rootKeyId,
      wrappedDataKey: appConnections.wrappedDataKey,
    })
    .from(appConnections)
    .where(
      and(
        or(isNull(appConnections.rootKeyId), ne(appConnections.rootKeyId, rootKeyId)),
        gt(appConnections.id, afterId),
      ),
    )
    .orderBy(asc(appConnections.id))
    .limit(limit)
    .for("update");
}

/** Replaces a connection's sealed credentials and wrapped data key (rotation); the fingerprint and `updated_at` stay. */
export async function rewrapConnection(
  tx: Database,
  id: string,
  sealed: { sealedCredentials: Buffer; rootKeyId: string; wrappedDataKey: Buffer },
): Promise<void> {
  await tx.update(appConnections).set(sealed).where(eq(appConnections.id, id));
}
