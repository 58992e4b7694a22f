import { and, desc, eq, getTableColumns, inArray, lt, sql } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { recordset } from "./row-batches.ts";
import { secrets, secretVersions } from "./schema.ts";

/**
 * Set-based writes of secrets and their versions, used by single and bulk writes alike: one
 * statement per kind of row (see row-batches.ts), never one round trip per row.
 */

/** A secret at its current version, as stored. */
export type SecretRow = typeof secrets.$inferSelect;
/** A secret row to insert. */
export type NewSecretRow = typeof secrets.$inferInsert;
/** One stored version of a secret. */
export type SecretVersionRow = typeof secretVersions.$inferSelect;
/** A version row to insert. */
export type NewSecretVersionRow = typeof secretVersions.$inferInsert;
/** A secret row without its sealed value (what a write plan needs to know). */
export type SecretState = Omit<SecretRow, "sealedValue">;

/** A new current version of an existing secret. */
export interface SecretRewrite {
  readonly id: string;
  readonly version: number;
  readonly sealedValue: Buffer;
  readonly comment: string;
  readonly metadata: Record<string, string>;
}

/** PostgreSQL takes at most 65,535 parameters per statement. */
const MAX_PARAMETERS = 60_000;
const chunks = <T>(rows: readonly T[], columns: number): T[][] => {
  const size = Math.max(1, Math.floor(MAX_PARAMETERS / columns));
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += size) out.push(rows.slice(i, i + size));
  return out;
};

/** Inserts new secrets in one statement. */
export async function insertSecrets(tx: Database, rows: readonly NewSecretRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(sql`
    insert into secrets (id, project_id, folder_id, key, sealed_value, comment, metadata, version, created_at, updated_at)
    select r.id, r."projectId", r."folderId", r.key, decode(r."sealedValue", 'base64'), r.comment, r.metadata, r.version, r."createdAt", r."updatedAt"
    from ${recordset(rows, `id uuid, "projectId" uuid, "folderId" uuid, key text, "sealedValue" text, comment text, metadata jsonb, version int, "createdAt" timestamptz, "updatedAt" timestamptz`)}`);
}

/** Inserts version rows in one statement. */
export async function insertSecretVersions(tx: Database, rows: readonly NewSecretVersionRow[]): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(sql`
    insert into secret_versions (secret_id, version, project_id, sealed_value, comment, metadata, actor, created_at)
    select r."secretId", r.version, r."projectId", decode(r."sealedValue", 'base64'), r.comment, r.metadata, r.actor, r."createdAt"
    from ${recordset(rows, `"secretId" uuid, version int, "projectId" uuid, "sealedValue" text, comment text, metadata jsonb, actor text, "createdAt" timestamptz`)}`);
}

/** Moves secrets to new versions in one `update … from jsonb_to_recordset(…)`. */
export async function rewriteSecrets(tx: Database, rows: readonly SecretRewrite[], updatedAt: Date): Promise<void> {
  if (rows.length === 0) return;
  await tx.execute(sql`
    update secrets as s
    set version = r.version, sealed_value = decode(r."sealedValue", 'base64'), comment = r.comment, metadata = r.metadata, updated_at = ${updatedAt.toISOString()}::timestamptz
    from ${recordset(rows, `id uuid, version int, "sealedValue" text, comment text, metadata jsonb`)}
    where s.id = r.id`);
}

/** Deletes secrets (their versions cascade). */
export async function deleteSecretsById(tx: Database, ids: readonly string[]): Promise<void> {
  for (const chunk of chunks(ids, 1)) await tx.delete(secrets).where(inArray(secrets.id, chunk));
}

/** The secrets of the given (folder, key) pairs that exist, without their values. */
export async function findSecretStates(
  tx: Database,
  pairs: ReadonlyArray<{ folderId: string; key: string }>,
): Promise<SecretState[]> {
  if (pairs.length === 0) return [];
  const { sealedValue: _omitted, ...columns } = getTableColumns(secrets);
  const folderIds = [...new Set(pairs.map((p) => p.folderId))];
  const keys = [...new Set(pairs.map((p) => p.key))];
  const wanted = new Set(pairs.map((p) => `${p.folderId}\u0000${p.key}`));
  const found: SecretState[] = [];
  const size = MAX_PARAMETERS - folderIds.length;
  for (let i = 0; i < keys.length; i += size) {
    const keyChunk = keys.slice(i, i + size);
    const rows = await tx
      .select(columns)
      .from(secrets)
      .where(and(inArray(secrets.folderId, folderIds), inArray(secrets.key, keyChunk)));
    found.push(...rows.filter((row) => wanted.has(`${row.folderId}\u0000${row.key}`)));
  }
  return found;
}

/** Sealed values of the given secrets at their current version. */
export async function findSealedValues(tx: Database, ids: readonly string[]): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const chunk of chunks(ids, 1)) {
    const rows = await tx
      .select({ id: secrets.id, sealedValue: secrets.sealedValue })
      .from(secrets)
      .where(inArray(secrets.id, chunk));
    for (const row of rows) out.set(row.id, row.sealedValue);
  }
  return out;
}

/** One version of a secret, or undefined. */
export async function findSecretVersion(
  tx: Database,
  secretId: string,
  version: number,
): Promise<SecretVersionRow | undefined> {
  return (
    await tx
      .select()
      .from(secretVersions)
      .where(and(eq(secretVersions.secretId, secretId), eq(secretVersions.version, version)))
  )[0];
}

/** Versions newest first, below `beforeVersion` when given. */
export async function listSecretVersions(
  tx: Database,
  secretId: string,
  options: { beforeVersion?: number; limit: number },
): Promise<SecretVersionRow[]> {
  const condition =
    options.beforeVersion === undefined
      ? eq(secretVersions.secretId, secretId)
      : and(eq(secretVersions.secretId, secretId), lt(secretVersions.version, options.beforeVersion));
  return tx.select().from(secretVersions).where(condition).orderBy(desc(secretVersions.version)).limit(options.limit);
}
