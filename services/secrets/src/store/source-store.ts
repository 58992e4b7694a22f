import { randomUUID } from "node:crypto";
import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { environments, folders, projects, secrets } from "./schema.ts";

/** Queries of the source model. Every function runs on the executor it is given (db or transaction). */

export type ProjectRow = typeof projects.$inferSelect;
export type EnvironmentRow = typeof environments.$inferSelect;
export type FolderRow = typeof folders.$inferSelect;
export type SecretRow = typeof secrets.$inferSelect;

/** Bumps the project's revision, locking its row until the transaction ends; undefined if absent. */
export async function bumpProjectRevision(tx: Database, projectId: string): Promise<bigint | undefined> {
  const rows = await tx.update(projects).set({ revision: sql`${projects.revision} + 1` }).where(eq(projects.id, projectId)).returning({ revision: projects.revision });
  return rows[0]?.revision;
}

export async function findProject(tx: Database, projectId: string): Promise<ProjectRow | undefined> {
  return (await tx.select().from(projects).where(eq(projects.id, projectId)))[0];
}

export async function findProjectByName(tx: Database, name: string): Promise<ProjectRow | undefined> {
  return (await tx.select().from(projects).where(eq(projects.name, name)))[0];
}

export async function listProjectsAfter(tx: Database, afterName: string, limit: number): Promise<ProjectRow[]> {
  return tx.select().from(projects).where(gt(projects.name, afterName)).orderBy(asc(projects.name)).limit(limit);
}

export async function findEnvironment(tx: Database, projectId: string, slug: string): Promise<EnvironmentRow | undefined> {
  return (await tx.select().from(environments).where(and(eq(environments.projectId, projectId), eq(environments.slug, slug))))[0];
}

export async function findFolder(tx: Database, environmentId: string, path: string): Promise<FolderRow | undefined> {
  return (await tx.select().from(folders).where(and(eq(folders.environmentId, environmentId), eq(folders.path, path))))[0];
}

/** Creates every missing folder of `lineage` (root first) and returns the last one. */
export async function ensureFolders(tx: Database, environment: EnvironmentRow, lineage: readonly string[]): Promise<{ folder: FolderRow; created: boolean }> {
  const existing = await tx.select().from(folders).where(and(eq(folders.environmentId, environment.id), inArray(folders.path, [...lineage])));
  const known = new Map(existing.map((row) => [row.path, row]));
  let created = false;
  for (const path of lineage) {
    if (known.has(path)) continue;
    const [row] = await tx.insert(folders).values({ id: randomUUID(), projectId: environment.projectId, environmentId: environment.id, path }).returning();
    known.set(path, row!);
    created = true;
  }
  return { folder: known.get(lineage[lineage.length - 1]!)!, created };
}

export async function findSecret(tx: Database, folderId: string, key: string): Promise<SecretRow | undefined> {
  return (await tx.select().from(secrets).where(and(eq(secrets.folderId, folderId), eq(secrets.key, key))))[0];
}

export async function listFolderSecrets(tx: Database, folderId: string): Promise<SecretRow[]> {
  return tx.select().from(secrets).where(eq(secrets.folderId, folderId)).orderBy(asc(secrets.key));
}
