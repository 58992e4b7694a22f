import { randomUUID } from "node:crypto";
import { and, asc, eq, gt, inArray, or, sql } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { environments, folders, projects, secrets } from "./schema.ts";

/** Queries of the source model. Every function runs on the executor it is given (db or transaction). */

/** Rows of the source model as stored. */
export type ProjectRow = typeof projects.$inferSelect;
export type EnvironmentRow = typeof environments.$inferSelect;
export type FolderRow = typeof folders.$inferSelect;
export type SecretRow = typeof secrets.$inferSelect;

/** Bumps the project's revision, locking its row until the transaction ends; undefined if absent. */
export async function bumpProjectRevision(tx: Database, projectId: string): Promise<bigint | undefined> {
  const rows = await tx
    .update(projects)
    .set({ revision: sql`${projects.revision} + 1` })
    .where(eq(projects.id, projectId))
    .returning({ revision: projects.revision });
  return rows[0]?.revision;
}

/** The project, or undefined. */
export async function findProject(tx: Database, projectId: string): Promise<ProjectRow | undefined> {
  return (await tx.select().from(projects).where(eq(projects.id, projectId)))[0];
}

/** The project of that name, or undefined. */
export async function findProjectByName(tx: Database, name: string): Promise<ProjectRow | undefined> {
  return (await tx.select().from(projects).where(eq(projects.name, name)))[0];
}

/** Inserts a project with a fresh id; a taken name raises the unique violation `projects_name_key`. */
export async function insertProject(tx: Database, name: string): Promise<ProjectRow> {
  const [row] = await tx.insert(projects).values({ id: randomUUID(), name }).returning();
  return row!;
}

/** Renames the project (a taken name raises the unique violation `projects_name_key`); undefined if absent. */
export async function renameProject(tx: Database, projectId: string, name: string): Promise<ProjectRow | undefined> {
  return (await tx.update(projects).set({ name }).where(eq(projects.id, projectId)).returning())[0];
}

/** Deletes the project; its environments, folders, secrets and keys cascade. */
export async function deleteProject(tx: Database, projectId: string): Promise<void> {
  await tx.delete(projects).where(eq(projects.id, projectId));
}

/** Projects in name order after `afterName` (paging). */
/** Projects in name order after `afterName`, at most `limit`; only those of `onlyIds` when given. */
export async function listProjectsAfter(
  tx: Database,
  afterName: string,
  limit: number,
  onlyIds?: readonly string[],
): Promise<ProjectRow[]> {
  if (onlyIds?.length === 0) return [];
  return tx
    .select()
    .from(projects)
    .where(and(gt(projects.name, afterName), onlyIds ? inArray(projects.id, [...onlyIds]) : undefined))
    .orderBy(asc(projects.name))
    .limit(limit);
}

/** The project's environment of that slug, or undefined. */
export async function findEnvironment(
  tx: Database,
  projectId: string,
  slug: string,
): Promise<EnvironmentRow | undefined> {
  return (
    await tx
      .select()
      .from(environments)
      .where(and(eq(environments.projectId, projectId), eq(environments.slug, slug)))
  )[0];
}

/** All the project's environments, in slug order. */
export async function listProjectEnvironments(tx: Database, projectId: string): Promise<EnvironmentRow[]> {
  return tx.select().from(environments).where(eq(environments.projectId, projectId)).orderBy(environments.slug);
}

/** Inserts an environment with a fresh id (no folder: see `ensureFolders`). */
export async function insertEnvironment(
  tx: Database,
  environment: { projectId: string; slug: string; name: string },
): Promise<EnvironmentRow> {
  const [row] = await tx
    .insert(environments)
    .values({ id: randomUUID(), ...environment })
    .returning();
  return row!;
}

/** Changes the environment's display name; undefined if absent. */
export async function renameEnvironment(
  tx: Database,
  environmentId: string,
  name: string,
): Promise<EnvironmentRow | undefined> {
  return (await tx.update(environments).set({ name }).where(eq(environments.id, environmentId)).returning())[0];
}

/** Deletes the environment; its folders and secrets cascade. */
export async function deleteEnvironment(tx: Database, environmentId: string): Promise<void> {
  await tx.delete(environments).where(eq(environments.id, environmentId));
}

/** The project's environments in slug order, after `afterSlug`. */
export async function listEnvironmentsAfter(
  tx: Database,
  projectId: string,
  afterSlug: string,
  limit: number,
): Promise<EnvironmentRow[]> {
  return tx
    .select()
    .from(environments)
    .where(and(eq(environments.projectId, projectId), gt(environments.slug, afterSlug)))
    .orderBy(asc(environments.slug))
    .limit(limit);
}

/** The project's environments among `slugs` (missing ones are simply absent). */
export async function findEnvironmentsBySlug(
  tx: Database,
  projectId: string,
  slugs: readonly string[],
): Promise<EnvironmentRow[]> {
  if (slugs.length === 0) return [];
  return tx
    .select()
    .from(environments)
    .where(and(eq(environments.projectId, projectId), inArray(environments.slug, [...slugs])));
}

/** The environment's folder at `path`, or undefined. */
export async function findFolder(tx: Database, environmentId: string, path: string): Promise<FolderRow | undefined> {
  return (
    await tx
      .select()
      .from(folders)
      .where(and(eq(folders.environmentId, environmentId), eq(folders.path, path)))
  )[0];
}

/** One page of a keyset listing: at most `limit` rows after the key `after` (from the start when undefined). */
export interface KeysetPage {
  readonly after: string | undefined;
  readonly limit: number;
}

/** The environment's folders in path order, a page of them. */
export async function listFolders(tx: Database, environmentId: string, page: KeysetPage): Promise<FolderRow[]> {
  return tx
    .select()
    .from(folders)
    .where(
      and(
        eq(folders.environmentId, environmentId),
        page.after !== undefined ? gt(folders.path, page.after) : undefined,
      ),
    )
    .orderBy(asc(folders.path))
    .limit(page.limit);
}

/** Creates every missing folder of `lineage` (root first) and returns the last one. */
export async function ensureFolders(
  tx: Database,
  environment: EnvironmentRow,
  lineage: readonly string[],
): Promise<{ folder: FolderRow; created: boolean }> {
  const existing = await tx
    .select()
    .from(folders)
    .where(and(eq(folders.environmentId, environment.id), inArray(folders.path, [...lineage])));
  const known = new Map(existing.map((row) => [row.path, row]));
  const missing = lineage.filter((path) => !known.has(path));
  if (missing.length > 0) {
    const rows = await tx
      .insert(folders)
      .values(
        missing.map((path) => ({
          id: randomUUID(),
          projectId: environment.projectId,
          environmentId: environment.id,
          path,
        })),
      )
      .returning();
    for (const row of rows) known.set(row.path, row);
  }
  return { folder: known.get(lineage[lineage.length - 1]!)!, created: missing.length > 0 };
}

/** Paths per query and rows per insert: PostgreSQL takes at most 65,535 parameters per statement. */
const PATHS_PER_QUERY = 20_000;
const FOLDERS_PER_INSERT = 10_000;

/** The folders at `paths` of several environments (missing ones are simply absent). */
export async function findFolders(
  tx: Database,
  wanted: ReadonlyArray<{ environmentId: string; paths: readonly string[] }>,
): Promise<FolderRow[]> {
  const found: FolderRow[] = [];
  for (const { environmentId, paths } of wanted) {
    for (let i = 0; i < paths.length; i += PATHS_PER_QUERY) {
      found.push(
        ...(await tx
          .select()
          .from(folders)
          .where(
            and(eq(folders.environmentId, environmentId), inArray(folders.path, paths.slice(i, i + PATHS_PER_QUERY))),
          )),
      );
    }
  }
  return found;
}

/** Inserts folders (callers pass whole missing lineages), a statement per 10,000. */
export async function insertFolders(
  tx: Database,
  rows: ReadonlyArray<{ projectId: string; environmentId: string; path: string }>,
): Promise<FolderRow[]> {
  const inserted: FolderRow[] = [];
  for (let i = 0; i < rows.length; i += FOLDERS_PER_INSERT) {
    inserted.push(
      ...(await tx
        .insert(folders)
        .values(rows.slice(i, i + FOLDERS_PER_INSERT).map((row) => ({ id: randomUUID(), ...row })))
        .returning()),
    );
  }
  return inserted;
}

/** SQL matching `path` and every folder below it. */
const inSubtree = (path: string) =>
  path === "/" ? sql`true` : or(eq(folders.path, path), sql`starts_with(${folders.path}, ${`${path}/`})`)!;

/** The folder at `path` and its descendants, in path order. */
export async function listSubtree(tx: Database, environmentId: string, path: string): Promise<FolderRow[]> {
  return tx
    .select()
    .from(folders)
    .where(and(eq(folders.environmentId, environmentId), inSubtree(path)))
    .orderBy(asc(folders.path));
}

/** Rewrites the paths of the subtree at `from` to start with `to` (ids, and so secrets, stay). */
export async function moveSubtree(tx: Database, environmentId: string, from: string, to: string): Promise<void> {
  await tx
    .update(folders)
    .set({ path: sql`${to} || substr(${folders.path}, ${from.length + 1}::int)` })
    .where(and(eq(folders.environmentId, environmentId), inSubtree(from)));
}

/** Deletes folders (their secrets, versions and imports cascade). */
export async function deleteFolders(tx: Database, folderIds: readonly string[]): Promise<void> {
  for (let i = 0; i < folderIds.length; i += PATHS_PER_QUERY)
    await tx.delete(folders).where(inArray(folders.id, folderIds.slice(i, i + PATHS_PER_QUERY)));
}

/** Secret keys per folder, for the given folders. */
export async function secretKeysByFolder(tx: Database, folderIds: readonly string[]): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (let i = 0; i < folderIds.length; i += PATHS_PER_QUERY) {
    const rows = await tx
      .select({ folderId: secrets.folderId, key: secrets.key })
      .from(secrets)
      .where(inArray(secrets.folderId, folderIds.slice(i, i + PATHS_PER_QUERY)))
      .orderBy(asc(secrets.key));
    for (const row of rows) (out.get(row.folderId) ?? out.set(row.folderId, []).get(row.folderId)!).push(row.key);
  }
  return out;
}

/** How many secrets each of the folders holds (folders without any are left out). */
export async function countSecretsByFolder(tx: Database, folderIds: readonly string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (let i = 0; i < folderIds.length; i += PATHS_PER_QUERY) {
    const rows = await tx
      .select({ folderId: secrets.folderId, n: sql<number>`count(*)::int` })
      .from(secrets)
      .where(inArray(secrets.folderId, folderIds.slice(i, i + PATHS_PER_QUERY)))
      .groupBy(secrets.folderId);
    for (const row of rows) out.set(row.folderId, Number(row.n));
  }
  return out;
}

/** The folder's secret of that key (with its sealed value), or undefined. */
export async function findSecret(tx: Database, folderId: string, key: string): Promise<SecretRow | undefined> {
  return (
    await tx
      .select()
      .from(secrets)
      .where(and(eq(secrets.folderId, folderId), eq(secrets.key, key)))
  )[0];
}

/** The folder's secrets in key order (with sealed values), a page of them. */
export async function listFolderSecrets(tx: Database, folderId: string, page: KeysetPage): Promise<SecretRow[]> {
  return tx
    .select()
    .from(secrets)
    .where(and(eq(secrets.folderId, folderId), page.after !== undefined ? gt(secrets.key, page.after) : undefined))
    .orderBy(asc(secrets.key))
    .limit(page.limit);
}
