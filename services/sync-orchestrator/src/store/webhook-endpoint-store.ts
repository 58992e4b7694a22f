import { and, asc, eq, gt } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { webhookEndpoints } from "./schema.ts";

/** Queries of webhook endpoints. Sealed columns stay sealed here: the service opens them. */

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
export type NewEndpointRow = typeof webhookEndpoints.$inferInsert;

export async function insertEndpoint(db: Database, row: NewEndpointRow): Promise<EndpointRow> {
  const [inserted] = await db.insert(webhookEndpoints).values(row).returning();
  return inserted!;
}

export async function findEndpoint(db: Database, id: string): Promise<EndpointRow | undefined> {
  return (await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)))[0];
}

/** The endpoint row locked for an update in the caller's transaction. */
export async function lockEndpoint(db: Database, id: string): Promise<EndpointRow | undefined> {
  return (await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, id)).for("update"))[0];
}

export async function findEndpointByName(db: Database, projectId: string, name: string) {
  return (
    await db
      .select({ id: webhookEndpoints.id })
      .from(webhookEndpoints)
      .where(and(eq(webhookEndpoints.projectId, projectId), eq(webhookEndpoints.name, name)))
  )[0];
}

/** A page of a project's endpoints by name, after `afterName`. */
export async function listEndpoints(
  db: Database,
  query: { projectId: string; afterName?: string; limit: number },
): Promise<EndpointRow[]> {
  const byProject = eq(webhookEndpoints.projectId, query.projectId);
  return db
    .select()
    .from(webhookEndpoints)
    .where(query.afterName === undefined ? byProject : and(byProject, gt(webhookEndpoints.name, query.afterName)))
    .orderBy(asc(webhookEndpoints.name))
    .limit(query.limit);
}

/** The enabled endpoints of a project: an event's recipients are those among them subscribed to its type. */
export async function listEnabledEndpoints(db: Database, projectId: string): Promise<EndpointRow[]> {
  return db
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.projectId, projectId), eq(webhookEndpoints.enabled, true)));
}

export async function updateEndpoint(db: Database, id: string, patch: Partial<NewEndpointRow>): Promise<EndpointRow> {
  const [updated] = await db
    .update(webhookEndpoints)
    .set({ ...patch, updatedAt: new Date() })
    .where(eq(webhookEndpoints.id, id))
    .returning();
  return updated!;
}

export async function deleteEndpoint(db: Database, id: string): Promise<boolean> {
  const deleted = await db
    .delete(webhookEndpoints)
    .where(eq(webhookEndpoints.id, id))
    .returning({ id: webhookEndpoints.id });
  return deleted.length > 0;
}

/** The project of an endpoint (for the access table), undefined when there is none. */
export async function findEndpointProject(db: Database, id: string): Promise<string | undefined> {
  const rows = await db
    .select({ projectId: webhookEndpoints.projectId })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.id, id));
  return rows[0]?.projectId;
}
