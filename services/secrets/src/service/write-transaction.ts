import { traced, type Database } from "@syncline/db";
import { notFound } from "@syncline/errors";
import * as store from "../store/source-store.ts";

/** Where a secret lives: project, environment slug, normalised folder path. */
export interface SecretAddress {
  readonly projectId: string;
  readonly environment: string;
  readonly path: string;
}

/** What every use case needs to run writes: the database and the relay kick after commit. */
export interface WriteDeps {
  readonly db: Database;
  readonly afterCommit: () => void;
}

/**
 * Runs `fn` in one transaction inside a span named `name`, then kicks the outbox relay. A throw
 * rolls everything back: nothing of a refused request is persisted.
 */
export function createWriteRunner(deps: WriteDeps) {
  return async function write<T>(name: string, fn: (tx: Database) => Promise<T>): Promise<T> {
    const result = await traced(name, () => deps.db.transaction((tx) => fn(tx)));
    deps.afterCommit();
    return result;
  };
}

/** NOT_FOUND: the project has no environment `slug`. */
export const environmentNotFound = (projectId: string, slug: string) =>
  notFound(`environment "${slug}" in project ${projectId}`);

/** NOT_FOUND: the environment has no folder at the address's path. */
export const folderNotFound = (address: Omit<SecretAddress, "projectId">) =>
  notFound(`folder ${address.path} in environment "${address.environment}"`);

/** Bumps the project revision (locking the project row: writes of a project are serialised). */
export async function lockProject(tx: Database, projectId: string): Promise<bigint> {
  const revision = await store.bumpProjectRevision(tx, projectId);
  if (revision === undefined) throw notFound(`project ${projectId}`);
  return revision;
}

/** Locks the project and finds the environment, or NOT_FOUND. */
export async function lockedEnvironment(tx: Database, projectId: string, slug: string) {
  const revision = await lockProject(tx, projectId);
  const environment = await store.findEnvironment(tx, projectId, slug);
  if (!environment) throw environmentNotFound(projectId, slug);
  return { revision, environment };
}

/** The environment, or NOT_FOUND. */
export async function existingEnvironment(tx: Database, projectId: string, slug: string) {
  const environment = await store.findEnvironment(tx, projectId, slug);
  if (!environment) throw environmentNotFound(projectId, slug);
  return environment;
}

/** The folder at an address, or NOT_FOUND naming what is missing. */
export async function existingFolder(tx: Database, address: SecretAddress) {
  const environment = await existingEnvironment(tx, address.projectId, address.environment);
  return existingFolderIn(tx, environment, address);
}

/** The folder at an address in its already found environment, or NOT_FOUND. */
export async function existingFolderIn(tx: Database, environment: { id: string }, address: SecretAddress) {
  const folder = await store.findFolder(tx, environment.id, address.path);
  if (!folder) throw folderNotFound(address);
  return folder;
}
