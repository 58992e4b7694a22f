import { randomUUID } from "node:crypto";
import type { Database } from "@syncline/db";
import * as secretStore from "../store/secret-store.ts";
import { auditTarget, recordAudit, type Actor, type AuditEntry } from "./audit-log.ts";
import { checkFolderCapacity } from "./folder-capacity.ts";
import { KeyChangeKind, recordChanges, type FolderChangeInput, type KeyChangeInput } from "./change-recorder.ts";
import type { ProjectValues } from "./secret-sealer.ts";

/** A secret as the API returns it (value empty unless asked for). */
export interface SecretView {
  readonly projectId: string;
  readonly environment: string;
  readonly path: string;
  readonly id: string;
  readonly key: string;
  readonly value: string;
  readonly comment: string;
  readonly metadata: Record<string, string>;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Where a planned write lands: folder row id plus the address events and audit entries name. */
export interface WriteTarget {
  readonly folderId: string;
  readonly environment: string;
  readonly path: string;
  readonly key: string;
  /** Who made this write when it differs from the plan's actor (a commit group mixes callers). */
  readonly actor?: Actor;
}

/** A new secret. */
export interface PlannedCreate extends WriteTarget {
  readonly value: string;
  readonly comment: string;
  readonly metadata: Record<string, string>;
}

/** A new version of an existing secret (value already resolved: the new one or the current one). */
export interface PlannedRewrite extends WriteTarget {
  readonly current: secretStore.SecretState;
  readonly value: string;
  readonly comment: string;
  readonly metadata: Record<string, string>;
  /** False when only comment or metadata changed (the value stays as it was). */
  readonly valueChanged: boolean;
  /** Audit action; `secret.update` unless told (`secret.rollback`). */
  readonly action?: string;
  readonly auditDetails?: Record<string, string>;
}

/** Removal of an existing secret (its versions go with it). */
export interface PlannedDelete extends WriteTarget {
  readonly current: secretStore.SecretState;
}

/** Largest total of key names in one change event (NATS refuses payloads over 1 MiB by default); a folder past it gets several events. */
const EVENT_KEY_BYTES = 256 * 1024;

/**
 * Applies planned secret writes of one project in the caller's transaction, set-based: the secret
 * rows, a version row per create/rewrite (sealed under the project's data key), one change event
 * per affected folder (split only when its key list would not fit one message), and one audit
 * entry per write. Refuses the whole plan when a folder would hold more than MAX_SECRETS_PER_FOLDER
 * secrets. Returns the written secrets in the order create, rewrite, delete of the plan.
 */
export async function applySecretWrites(
  tx: Database,
  plan: {
    projectId: string;
    actor: Actor;
    revision: bigint;
    values: ProjectValues;
    creates: readonly PlannedCreate[];
    rewrites: readonly PlannedRewrite[];
    deletes: readonly PlannedDelete[];
    /** Added to every audit entry (e.g. `bulk: "true"`). */
    auditDetails?: Record<string, string>;
  },
): Promise<{ created: SecretView[]; rewritten: SecretView[]; deleted: SecretView[] }> {
  const { projectId, actor, values } = plan;
  await checkFolderCapacity(tx, plan.creates, plan.deletes);
  const now = new Date();
  const versionRows: secretStore.NewSecretVersionRow[] = [];
  const audit: AuditEntry[] = [];
  const changes = new Map<string, { environment: string; path: string; changes: KeyChangeInput[] }>();
  const changed = (target: WriteTarget, kind: KeyChangeKind, value?: string) => {
    const folder = `${target.environment}\u0000${target.path}`;
    const entry =
      changes.get(folder) ??
      changes.set(folder, { environment: target.environment, path: target.path, changes: [] }).get(folder)!;
    entry.changes.push(value === undefined ? { key: target.key, kind } : { key: target.key, kind, value });
  };
  const view = (
    target: WriteTarget,
    row: { id: string; comment: string; metadata: Record<string, string>; version: number; createdAt: Date },
    updatedAt: Date,
  ): SecretView => ({
    projectId,
    environment: target.environment,
    path: target.path,
    key: target.key,
    id: row.id,
    value: "",
    comment: row.comment,
    metadata: row.metadata,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt,
  });

  const createdRows = plan.creates.map((c) => {
    const id = randomUUID();
    const sealedValue = values.seal(id, 1, c.value);
    versionRows.push({
      secretId: id,
      version: 1,
      projectId,
      sealedValue,
      comment: c.comment,
      metadata: c.metadata,
      actor: (c.actor ?? actor).id,
      createdAt: now,
    });
    audit.push({
      projectId,
      actor: c.actor ?? actor,
      action: "secret.create",
      target: auditTarget.secret(c.environment, c.path, c.key),
      details: { version: "1", revision: String(plan.revision), ...plan.auditDetails },
    });
    changed(c, KeyChangeKind.CREATED, c.value);
    return {
      id,
      projectId,
      folderId: c.folderId,
      key: c.key,
      sealedValue,
      comment: c.comment,
      metadata: c.metadata,
      version: 1,
      createdAt: now,
      updatedAt: now,
    };
  });
  const rewrites = plan.rewrites.map((r) => {
    const version = r.current.version + 1;
    const sealedValue = values.seal(r.current.id, version, r.value);
    versionRows.push({
      secretId: r.current.id,
      version,
      projectId,
      sealedValue,
      comment: r.comment,
      metadata: r.metadata,
      actor: (r.actor ?? actor).id,
      createdAt: now,
    });
    audit.push({
      projectId,
      actor: r.actor ?? actor,
      action: r.action ?? "secret.update",
      target: auditTarget.secret(r.environment, r.path, r.key),
      details: { version: String(version), revision: String(plan.revision), ...plan.auditDetails, ...r.auditDetails },
    });
    changed(r, KeyChangeKind.UPDATED, r.valueChanged ? r.value : undefined);
    return { id: r.current.id, version, sealedValue, comment: r.comment, metadata: r.metadata };
  });
  for (const d of plan.deletes) {
    audit.push({
      projectId,
      actor: d.actor ?? actor,
      action: "secret.delete",
      target: auditTarget.secret(d.environment, d.path, d.key),
      details: { version: String(d.current.version), revision: String(plan.revision), ...plan.auditDetails },
    });
    changed(d, KeyChangeKind.DELETED);
  }

  // Events first: the change recorder looks up importers and referencers before rows go away.
  const folders: FolderChangeInput[] = [...changes.values()].flatMap((folder) =>
    splitBySize(folder.changes).map((part) => ({ environment: folder.environment, path: folder.path, changes: part })),
  );
  await recordChanges(tx, { projectId, revision: plan.revision, folders });
  await secretStore.deleteSecretsById(
    tx,
    plan.deletes.map((d) => d.current.id),
  );
  await secretStore.insertSecrets(tx, createdRows);
  await secretStore.rewriteSecrets(tx, rewrites, now);
  await secretStore.insertSecretVersions(tx, versionRows);
  await recordAudit(tx, audit);

  return {
    created: plan.creates.map((c, i) => view(c, createdRows[i]!, now)),
    rewritten: plan.rewrites.map((r, i) => view(r, { ...r.current, ...rewrites[i]! }, now)),
    deleted: plan.deletes.map((d) => view(d, d.current, d.current.updatedAt)),
  };
}

function splitBySize(changes: readonly KeyChangeInput[]): KeyChangeInput[][] {
  const parts: KeyChangeInput[][] = [[]];
  let bytes = 0;
  for (const change of changes) {
    const size = Buffer.byteLength(change.key) + 8;
    if (bytes + size > EVENT_KEY_BYTES && parts[parts.length - 1]!.length > 0) {
      parts.push([]);
      bytes = 0;
    }
    parts[parts.length - 1]!.push(change);
    bytes += size;
  }
  return parts;
}
