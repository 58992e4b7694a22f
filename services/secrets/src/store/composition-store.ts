import { and, asc, eq, gt, gte, sql } from "drizzle-orm";
import { queryRows, type Database } from "@syncline/db";
import { secretImports, secretReferences } from "./composition-schema.ts";
import { environments, folders, secrets } from "./schema.ts";

/**
 * Queries of imports, the reference index and the set-based reads of snapshots. Lists go to
 * PostgreSQL as one array parameter each (`= any($1)`, `unnest`), never one statement per row.
 */

/** A row of `secret_imports`. */
export type SecretImportRow = typeof secretImports.$inferSelect;

/** A folder's place: id, environment slug and path. */
export interface FolderPlace {
  readonly folderId: string;
  readonly environment: string;
  readonly path: string;
}

/** An import with both ends placed. */
export interface PlacedImport extends SecretImportRow {
  readonly environment: string;
  readonly path: string;
  readonly importEnvironment: string;
  readonly importPath: string;
}

/** A stored secret as snapshots and expansion read it (sealed). */
export interface StoredSecret extends FolderPlace {
  readonly secretId: string;
  readonly key: string;
  readonly version: number;
  readonly sealedValue: Buffer;
  readonly metadata: Record<string, string>;
}

const textArray = (values: readonly string[]) => sql`${sql.param([...values])}::text[]`;
const uuidArray = (values: readonly string[]) => sql`${sql.param([...values])}::uuid[]`;

/**
 * Every import of the project with the places of both ends (for graph walks), or of one folder in
 * position order, optionally a page of them (positions after `page.afterPosition`, at most `page.limit`).
 */
export async function loadPlacedImports(
  tx: Database,
  projectId: string,
  folderId?: string,
  page?: { readonly afterPosition: number; readonly limit: number },
): Promise<PlacedImport[]> {
  const rows = await queryRows<Record<string, unknown>>(
    tx,
    sql`
    select i.id, i.project_id, i.folder_id, i.import_folder_id, i.position, i.created_at,
           fe.slug as environment, f.path, ie.slug as import_environment, imp.path as import_path
    from secret_imports i
    join folders f on f.id = i.folder_id join environments fe on fe.id = f.environment_id
    join folders imp on imp.id = i.import_folder_id join environments ie on ie.id = imp.environment_id
    where i.project_id = ${projectId} ${folderId ? sql`and i.folder_id = ${folderId}` : sql``}
    ${page ? sql`and i.position > ${page.afterPosition}` : sql``}
    order by i.folder_id, i.position ${page ? sql`limit ${page.limit}` : sql``}`,
  );
  return rows.map((r) => ({
    id: r.id as string,
    projectId: r.project_id as string,
    folderId: r.folder_id as string,
    importFolderId: r.import_folder_id as string,
    position: Number(r.position),
    createdAt: new Date(r.created_at as string),
    environment: r.environment as string,
    path: r.path as string,
    importEnvironment: r.import_environment as string,
    importPath: r.import_path as string,
  }));
}

/** One import of the project by id (an id of another project is not found). */
export async function findImport(tx: Database, projectId: string, id: string): Promise<SecretImportRow | undefined> {
  return (
    await tx
      .select()
      .from(secretImports)
      .where(and(eq(secretImports.projectId, projectId), eq(secretImports.id, id)))
  )[0];
}

/** How many imports a folder has. */
export async function countImports(tx: Database, folderId: string): Promise<number> {
  const rows = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(secretImports)
    .where(eq(secretImports.folderId, folderId));
  return Number(rows[0]?.n ?? 0);
}

/** Inserts an import at `position`, moving the folder's imports at or after it one place down. */
export async function insertImportAt(tx: Database, row: typeof secretImports.$inferInsert): Promise<SecretImportRow> {
  await tx
    .update(secretImports)
    .set({ position: sql`${secretImports.position} + 1` })
    .where(and(eq(secretImports.folderId, row.folderId), gte(secretImports.position, row.position)));
  const [inserted] = await tx.insert(secretImports).values(row).returning();
  return inserted!;
}

/** Deletes an import and closes the gap in its folder's positions. */
export async function deleteImport(tx: Database, row: SecretImportRow): Promise<void> {
  await tx.delete(secretImports).where(eq(secretImports.id, row.id));
  await tx
    .update(secretImports)
    .set({ position: sql`${secretImports.position} - 1` })
    .where(and(eq(secretImports.folderId, row.folderId), gt(secretImports.position, row.position)));
}

/** The folders of the project at the given (environment, path) places. */
export async function findFolderPlaces(
  tx: Database,
  projectId: string,
  places: ReadonlyArray<{ environment: string; path: string }>,
): Promise<FolderPlace[]> {
  if (places.length === 0) return [];
  const rows = await queryRows<{ folder_id: string; environment: string; path: string }>(
    tx,
    sql`
    select f.id as folder_id, e.slug as environment, f.path
    from unnest(${textArray(places.map((p) => p.environment))}, ${textArray(places.map((p) => p.path))}) as w(environment, path)
    join environments e on e.project_id = ${projectId} and e.slug = w.environment
    join folders f on f.environment_id = e.id and f.path = w.path`,
  );
  return rows.map((r) => ({ folderId: r.folder_id, environment: r.environment, path: r.path }));
}

/** The folder at `path` in environment `environmentId` and every folder below it. */
export async function findSubtree(
  tx: Database,
  environmentId: string,
  path: string,
): Promise<Array<{ id: string; path: string }>> {
  const below =
    path === "/" ? sql`true` : sql`(${folders.path} = ${path} or starts_with(${folders.path}, ${`${path}/`}))`;
  return tx
    .select({ id: folders.id, path: folders.path })
    .from(folders)
    .where(and(eq(folders.environmentId, environmentId), below))
    .orderBy(asc(folders.path));
}

/** The places of the given folders. */
export async function placeFolders(tx: Database, folderIds: readonly string[]): Promise<Map<string, FolderPlace>> {
  if (folderIds.length === 0) return new Map();
  const rows = await tx
    .select({ folderId: folders.id, environment: environments.slug, path: folders.path })
    .from(folders)
    .innerJoin(environments, eq(environments.id, folders.environmentId))
    .where(sql`${folders.id} = any(${uuidArray(folderIds)})`);
  return new Map(rows.map((row) => [row.folderId, row]));
}

const storedColumns = {
  secretId: secrets.id,
  folderId: secrets.folderId,
  key: secrets.key,
  version: secrets.version,
  sealedValue: secrets.sealedValue,
  metadata: secrets.metadata,
};

/** Every secret stored in the given folders, sealed, in one statement. */
export async function loadFolderSecrets(
  tx: Database,
  places: ReadonlyMap<string, FolderPlace>,
): Promise<StoredSecret[]> {
  if (places.size === 0) return [];
  const rows = await tx
    .select(storedColumns)
    .from(secrets)
    .where(sql`${secrets.folderId} = any(${uuidArray([...places.keys()])})`);
  return rows.map((row) => ({ ...row, ...places.get(row.folderId)! }));
}

/** The secrets stored at the given addresses (those that exist), sealed, in one statement. */
export async function loadSecretsAt(
  tx: Database,
  projectId: string,
  addresses: ReadonlyArray<{ environment: string; path: string; key: string }>,
): Promise<StoredSecret[]> {
  if (addresses.length === 0) return [];
  const rows = await queryRows<Record<string, unknown>>(
    tx,
    sql`
    select s.id as secret_id, s.folder_id, s.key, s.version, s.sealed_value, s.metadata, e.slug as environment, f.path
    from unnest(${textArray(addresses.map((a) => a.environment))}, ${textArray(addresses.map((a) => a.path))}, ${textArray(addresses.map((a) => a.key))}) as w(environment, path, key)
    join environments e on e.project_id = ${projectId} and e.slug = w.environment
    join folders f on f.environment_id = e.id and f.path = w.path
    join secrets s on s.folder_id = f.id and s.key = w.key`,
  );
  return rows.map((r) => ({
    secretId: r.secret_id as string,
    folderId: r.folder_id as string,
    key: r.key as string,
    version: Number(r.version),
    sealedValue: r.sealed_value as Buffer,
    metadata: r.metadata as Record<string, string>,
    environment: r.environment as string,
    path: r.path as string,
  }));
}

/** One reference of a secret's value, as the index stores it. */
export interface IndexedReference {
  readonly folderId: string;
  readonly key: string;
  /** null for a `${KEY}` of the same folder. */
  readonly refEnvironment: string | null;
  readonly refPath: string | null;
  readonly refKey: string;
}

/** Replaces the index rows of the given secrets (a secret without references keeps no rows). */
export async function replaceReferences(
  tx: Database,
  projectId: string,
  secretsWritten: ReadonlyArray<{ folderId: string; key: string }>,
  rows: readonly IndexedReference[],
): Promise<void> {
  if (secretsWritten.length > 0) {
    await tx.execute(sql`
      delete from secret_references r
      using unnest(${uuidArray(secretsWritten.map((s) => s.folderId))}, ${textArray(secretsWritten.map((s) => s.key))}) as w(folder_id, key)
      where r.folder_id = w.folder_id and r.key = w.key`);
  }
  // Six parameters a row: 5,000 rows stay well under PostgreSQL's 65,535 per statement.
  for (let i = 0; i < rows.length; i += 5_000) {
    await tx.insert(secretReferences).values(rows.slice(i, i + 5_000).map((row) => ({ ...row, projectId })));
  }
}

/** What the fan-out asks the index: who references these keys, folders or subtrees. */
export interface ReferenceTargets {
  /** A key of a folder: `${env.path.KEY}` anywhere, or `${KEY}` inside that folder. */
  readonly keys: ReadonlyArray<{ folderId: string; environment: string; path: string; key: string }>;
  /** Any key of a folder (`subtree`: of the folder or any folder below it). */
  readonly folders: ReadonlyArray<{ environment: string; path: string; subtree: boolean }>;
}

/** A secret whose value references a target, with its place and the (environment, path) it references. */
export interface Referencer extends FolderPlace {
  readonly key: string;
  readonly refEnvironment: string;
  readonly refPath: string;
}

/** The secrets (folder, key) whose current values reference any of `targets`, one row per target folder. */
export async function findReferencers(
  tx: Database,
  projectId: string,
  targets: ReferenceTargets,
): Promise<Referencer[]> {
  if (targets.keys.length === 0 && targets.folders.length === 0) return [];
  const { keys, folders: wholes } = targets;
  const rows = await queryRows<{
    folder_id: string;
    key: string;
    environment: string;
    path: string;
    ref_environment: string;
    ref_path: string;
  }>(
    tx,
    sql`
    select distinct r.folder_id, r.key, e.slug as environment, f.path,
           coalesce(r.ref_environment, e.slug) as ref_environment, coalesce(r.ref_path, f.path) as ref_path
    from secret_references r
    join folders f on f.id = r.folder_id join environments e on e.id = f.environment_id
    where r.project_id = ${projectId} and (
      (r.ref_environment, r.ref_path, r.ref_key) in (
        select * from unnest(${textArray(keys.map((k) => k.environment))}, ${textArray(keys.map((k) => k.path))}, ${textArray(keys.map((k) => k.key))}))
      or (r.ref_environment is null and (r.folder_id, r.ref_key) in (
        select * from unnest(${uuidArray(keys.map((k) => k.folderId))}, ${textArray(keys.map((k) => k.key))})))
      or exists (
        select 1 from unnest(${textArray(wholes.map((w) => w.environment))}, ${textArray(wholes.map((w) => w.path))}, ${textArray(wholes.map((w) => (w.subtree ? "subtree" : "folder")))}) as t(environment, path, scope)
        where r.ref_environment = t.environment
          and (r.ref_path = t.path or (t.scope = 'subtree' and (t.path = '/' or starts_with(r.ref_path, t.path || '/'))))))`,
  );
  return rows.map((r) => ({
    folderId: r.folder_id,
    key: r.key,
    environment: r.environment,
    path: r.path,
    refEnvironment: r.ref_environment,
    refPath: r.ref_path,
  }));
}
