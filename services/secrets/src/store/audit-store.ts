import { and, desc, eq, lt, sql, type SQL } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { recordset } from "./row-batches.ts";
import { auditEvents } from "./schema.ts";

/** Queries of the audit log. */

export type AuditRow = typeof auditEvents.$inferSelect;
export type NewAuditRow = typeof auditEvents.$inferInsert;

/** Inserts audit rows in one statement, keeping their order in `seq`. */
export async function insertAuditRows(tx: Database, rows: readonly NewAuditRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(sql`
    insert into audit_events (id, project_id, actor, actor_name, action, target, details, created_at)
    select r.id, r."projectId", r.actor, r."actorName", r.action, r.target, r.details, r."createdAt"
    from ${recordset(
      rows.map((row, ord) => ({ ...row, ord })),
      `id uuid, "projectId" uuid, actor text, "actorName" text, action text, target text, details jsonb, "createdAt" timestamptz, ord int`,
    )}
    order by r.ord`);
}

/** Newest first, older than `beforeSeq` when given; only `projectId`'s and `actionPrefix`'s when given. */
export async function listAuditRows(
  tx: Database,
  filter: { projectId?: string; actionPrefix: string; beforeSeq?: bigint; limit: number },
): Promise<AuditRow[]> {
  const conditions: SQL[] = [];
  if (filter.projectId) conditions.push(eq(auditEvents.projectId, filter.projectId));
  if (filter.actionPrefix) conditions.push(sql`starts_with(${auditEvents.action}, ${filter.actionPrefix})`);
  if (filter.beforeSeq !== undefined) conditions.push(lt(auditEvents.seq, filter.beforeSeq));
  return tx
    .select()
    .from(auditEvents)
    .where(and(...conditions))
    .orderBy(desc(auditEvents.seq))
    .limit(filter.limit);
}
