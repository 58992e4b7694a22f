import { randomUUID } from "node:crypto";
import { and, desc, eq, lt, or, type SQL } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { syncAuditEvents } from "./schema.ts";

/**
 * One audited mutation of a sync, or of a webhook endpoint (no `syncId`). `details` holds names, ids
 * and flags, never a value or credential.
 */
export interface SyncAuditEntry {
  readonly syncId?: string;
  readonly projectId: string;
  /** Who: `actorOf(principal)` and, for an identity, its name at the time. */
  readonly actor: { readonly id: string; readonly name?: string };
  readonly action: string;
  readonly details?: Record<string, string>;
}

export type AuditRow = typeof syncAuditEvents.$inferSelect;

export async function recordAudit(db: Database, entry: SyncAuditEntry): Promise<void> {
  await db.insert(syncAuditEvents).values({
    id: randomUUID(),
    syncId: entry.syncId ?? null,
    projectId: entry.projectId,
    actor: entry.actor.id,
    actorName: entry.actor.name ?? null,
    action: entry.action,
    details: entry.details ?? {},
  });
}

/** The audit trail of a sync, newest first (kept after the sync is deleted). */
export async function listAudit(db: Database, syncId: string, limit = 100): Promise<AuditRow[]> {
  return db
    .select()
    .from(syncAuditEvents)
    .where(eq(syncAuditEvents.syncId, syncId))
    .orderBy(desc(syncAuditEvents.createdAt))
    .limit(limit);
}

/** A page of a project's sync audit trail, newest first; `after` is the last event of the previous page. */
export async function listProjectAudit(
  db: Database,
  query: { projectId: string; syncId?: string; after?: { createdAt: Date; id: string }; limit: number },
): Promise<AuditRow[]> {
  const conditions: (SQL | undefined)[] = [eq(syncAuditEvents.projectId, query.projectId)];
  if (query.syncId) conditions.push(eq(syncAuditEvents.syncId, query.syncId));
  if (query.after) {
    conditions.push(
      or(
        lt(syncAuditEvents.createdAt, query.after.createdAt),
        and(eq(syncAuditEvents.createdAt, query.after.createdAt), lt(syncAuditEvents.id, query.after.id)),
      ),
    );
  }
  return db
    .select()
    .from(syncAuditEvents)
    .where(and(...conditions))
    .orderBy(desc(syncAuditEvents.createdAt), desc(syncAuditEvents.id))
    .limit(query.limit);
}
