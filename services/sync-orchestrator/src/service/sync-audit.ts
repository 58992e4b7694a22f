import { traced, type Database } from "@syncline/db";
import { listProjectAudit, type AuditRow } from "../store/audit-store.ts";

export type { AuditRow };

/** Which page of a project's sync audit trail to read: all its syncs or one, after a position. */
export type SyncAuditQuery = Parameters<typeof listProjectAudit>[1];

/** The audit trail of a project's syncs (or of one sync), newest first; read by ListSyncAuditEvents. */
export function listSyncAudit(db: Database, query: SyncAuditQuery): Promise<AuditRow[]> {
  return traced("sync_audit_events.list", () => listProjectAudit(db, query));
}
