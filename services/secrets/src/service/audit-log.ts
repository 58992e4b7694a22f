import { randomUUID } from "node:crypto";
import type { Database } from "@syncline/db";
import { traced } from "@syncline/db";
import type { AuditActor } from "@syncline/rpc";
import { insertAuditRows, listAuditRows } from "../store/audit-store.ts";

/**
 * Who made a change: `auditActor(context.principal)` — `identity:<id>` with the identity's name,
 * `service:<name>` or `bootstrap`; recorded in `actor` and `actor_name`.
 */
export type Actor = AuditActor;

/** One mutation to record. `details` carries non-secret facts (versions, names, counts), never a value. */
export interface AuditEntry {
  readonly projectId: string | undefined;
  readonly actor: Actor;
  /** `<resource>.<verb>`, e.g. `secret.update`, `folder.move`, `project.delete`. */
  readonly action: string;
  /** e.g. `secret:prod:/api:DB_PASSWORD`, `folder:prod:/api`, `project:<id>`. */
  readonly target: string;
  readonly details?: Readonly<Record<string, string>>;
}

/**
 * Records mutations in the audit log inside the caller's transaction, so an entry exists exactly
 * when the mutation committed. Every mutation calls it (imports too). Pass many at once for bulk writes.
 */
export async function recordAudit(tx: Database, entry: AuditEntry | readonly AuditEntry[]): Promise<void> {
  const entries = Array.isArray(entry) ? (entry as readonly AuditEntry[]) : [entry as AuditEntry];
  if (entries.length === 0) return;
  const createdAt = new Date();
  await insertAuditRows(
    tx,
    entries.map((e) => ({
      id: randomUUID(),
      projectId: e.projectId ?? null,
      actor: e.actor.id,
      actorName: e.actor.name ?? null,
      action: e.action,
      target: e.target,
      details: { ...e.details },
      createdAt,
    })),
  );
}

/** Audit targets, one format for every resource. */
export const auditTarget = {
  project: (projectId: string) => `project:${projectId}`,
  environment: (environment: string) => `environment:${environment}`,
  folder: (environment: string, path: string) => `folder:${environment}:${path}`,
  secret: (environment: string, path: string, key: string) => `secret:${environment}:${path}:${key}`,
};

/** Reads the audit log, newest first. */
export function createAuditReader(deps: { db: Database }) {
  return {
    async listAuditEvents(filter: { projectId?: string; actionPrefix: string; beforeSeq?: bigint; limit: number }) {
      return traced("audit_events.list", () => listAuditRows(deps.db, filter));
    },
  };
}
