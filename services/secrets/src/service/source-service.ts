import { randomUUID } from "node:crypto";
import { eq } from "drizzle-orm";
import type { ValueCipher } from "@syncline/crypto";
import { isUniqueViolation, traced, type Database } from "@syncline/db";
import { RpcError } from "@syncline/rpc";
import { folderLineage } from "../domain/source-rules.ts";
import { environments, folders, projects, secrets } from "../store/schema.ts";
import * as store from "../store/source-store.ts";
import { KeyChangeKind, recordChange } from "./change-recorder.ts";

/** Where a secret lives: project, environment slug, normalised folder path. */
export interface SecretAddress {
  readonly projectId: string;
  readonly environment: string;
  readonly path: string;
}

/** A secret as the API returns it (value decrypted only when asked for). */
export interface SecretView extends SecretAddress {
  readonly id: string;
  readonly key: string;
  readonly value: string;
  readonly comment: string;
  readonly version: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/**
 * The secrets service's use cases. Inputs are already validated and normalised by the rpc layer;
 * every write runs in one transaction that bumps the project revision and records a change event
 * in the outbox, then kicks the relay after commit.
 */
export function createSourceService(deps: { db: Database; cipher: ValueCipher; afterCommit: () => void }) {
  const { db, cipher } = deps;
  const aad = (projectId: string, secretId: string, version: number) => `syncline/secret/${projectId}/${secretId}/${version}`;

  async function write<T>(name: string, fn: (tx: Database) => Promise<T>): Promise<T> {
    const result = await traced(name, () => db.transaction((tx) => fn(tx)));
    deps.afterCommit();
    return result;
  }

  async function lockedEnvironment(tx: Database, projectId: string, slug: string) {
    const revision = await store.bumpProjectRevision(tx, projectId);
    if (revision === undefined) throw RpcError.notFound(`project ${projectId}`);
    const environment = await store.findEnvironment(tx, projectId, slug);
    if (!environment) throw RpcError.notFound(`environment "${slug}" in project ${projectId}`);
    return { revision, environment };
  }

  async function existingFolder(tx: Database, address: SecretAddress) {
    const environment = await store.findEnvironment(tx, address.projectId, address.environment);
    if (!environment) throw RpcError.notFound(`environment "${address.environment}" in project ${address.projectId}`);
    const folder = await store.findFolder(tx, environment.id, address.path);
    if (!folder) throw RpcError.notFound(`folder ${address.path} in environment "${address.environment}"`);
    return folder;
  }

  const view = (row: store.SecretRow, address: SecretAddress, withValue: boolean): SecretView => ({
    ...address,
    id: row.id,
    key: row.key,
    value: withValue ? cipher.open(row.sealedValue, aad(row.projectId, row.id, row.version)).toString("utf8") : "",
    comment: row.comment,
    version: row.version,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  });

  return {
    async createProject(name: string) {
      try {
        const [row] = await traced("projects.insert", () => db.insert(projects).values({ id: randomUUID(), name }).returning());
        return row!;
      } catch (error) {
        if (isUniqueViolation(error)) throw RpcError.alreadyExists(`project "${name}"`);
        throw error;
      }
    },

    async getProject(projectId: string) {
      const row = await traced("projects.get", () => store.findProject(db, projectId));
      if (!row) throw RpcError.notFound(`project ${projectId}`);
      return row;
    },

    async listProjects(afterName: string, limit: number) {
      return traced("projects.list", () => store.listProjectsAfter(db, afterName, limit));
    },

    async createEnvironment(projectId: string, slug: string, name: string) {
      return write("environments.insert", async (tx) => {
        if ((await store.bumpProjectRevision(tx, projectId)) === undefined) throw RpcError.notFound(`project ${projectId}`);
        if (await store.findEnvironment(tx, projectId, slug)) throw RpcError.alreadyExists(`environment "${slug}"`);
        const [environment] = await tx.insert(environments).values({ id: randomUUID(), projectId, slug, name: name || slug }).returning();
        await store.ensureFolders(tx, environment!, ["/"]);
        return environment!;
      });
    },

    async listEnvironments(projectId: string) {
      await this.getProject(projectId);
      return traced("environments.list", () => db.select().from(environments).where(eqProject(projectId)).orderBy(environments.slug));
    },

    async createFolder(projectId: string, slug: string, path: string) {
      return write("folders.insert", async (tx) => {
        const { environment } = await lockedEnvironment(tx, projectId, slug);
        const { folder, created } = await store.ensureFolders(tx, environment, folderLineage(path));
        if (!created) throw RpcError.alreadyExists(`folder ${path}`);
        return folder;
      });
    },

    async listFolders(projectId: string, slug: string) {
      const environment = await store.findEnvironment(db, projectId, slug);
      if (!environment) throw RpcError.notFound(`environment "${slug}" in project ${projectId}`);
      return traced("folders.list", () => db.select().from(folders).where(eqEnvironment(environment.id)).orderBy(folders.path));
    },

    async createSecret(address: SecretAddress, key: string, value: string, comment: string): Promise<SecretView> {
      return write("secrets.insert", async (tx) => {
        const { revision, environment } = await lockedEnvironment(tx, address.projectId, address.environment);
        const { folder } = await store.ensureFolders(tx, environment, folderLineage(address.path));
        if (await store.findSecret(tx, folder.id, key)) throw RpcError.alreadyExists(`secret "${key}" in ${address.environment}:${address.path}`);
        const id = randomUUID();
        const [row] = await tx.insert(secrets).values({ id, projectId: address.projectId, folderId: folder.id, key, comment, version: 1, sealedValue: cipher.seal(value, aad(address.projectId, id, 1)) }).returning();
        await recordChange(tx, { ...address, revision, changes: [{ key, kind: KeyChangeKind.CREATED }] });
        return view(row!, address, true);
      });
    },

    async updateSecret(address: SecretAddress, key: string, patch: { value?: string; comment?: string; expectedVersion?: number }): Promise<SecretView> {
      return write("secrets.update", async (tx) => {
        const { revision } = await lockedEnvironment(tx, address.projectId, address.environment);
        const folder = await existingFolder(tx, address);
        const current = await store.findSecret(tx, folder.id, key);
        if (!current) throw RpcError.notFound(`secret "${key}" in ${address.environment}:${address.path}`);
        if (patch.expectedVersion !== undefined && patch.expectedVersion !== current.version) {
          throw RpcError.aborted(`secret "${key}" is at version ${current.version}, not ${patch.expectedVersion}; read it again and retry`);
        }
        const version = current.version + 1;
        const value = patch.value ?? cipher.open(current.sealedValue, aad(current.projectId, current.id, current.version)).toString("utf8");
        const [row] = await tx
          .update(secrets)
          .set({ version, comment: patch.comment ?? current.comment, sealedValue: cipher.seal(value, aad(current.projectId, current.id, version)), updatedAt: new Date() })
          .where(eqId(current.id))
          .returning();
        await recordChange(tx, { ...address, revision, changes: [{ key, kind: KeyChangeKind.UPDATED }] });
        return view(row!, address, true);
      });
    },

    async deleteSecret(address: SecretAddress, key: string): Promise<bigint> {
      return write("secrets.delete", async (tx) => {
        const { revision } = await lockedEnvironment(tx, address.projectId, address.environment);
        const folder = await existingFolder(tx, address);
        const current = await store.findSecret(tx, folder.id, key);
        if (!current) throw RpcError.notFound(`secret "${key}" in ${address.environment}:${address.path}`);
        await tx.delete(secrets).where(eqId(current.id));
        await recordChange(tx, { ...address, revision, changes: [{ key, kind: KeyChangeKind.DELETED }] });
        return revision;
      });
    },

    async getSecret(address: SecretAddress, key: string): Promise<SecretView> {
      const folder = await existingFolder(db, address);
      const row = await traced("secrets.get", () => store.findSecret(db, folder.id, key));
      if (!row) throw RpcError.notFound(`secret "${key}" in ${address.environment}:${address.path}`);
      return view(row, address, true);
    },

    async listSecrets(address: SecretAddress, includeValues: boolean): Promise<SecretView[]> {
      const folder = await existingFolder(db, address);
      const rows = await traced("secrets.list", () => store.listFolderSecrets(db, folder.id));
      return rows.map((row) => view(row, address, includeValues));
    },

    /** The folder's secrets and the project revision, read in one repeatable-read snapshot. */
    async snapshot(address: SecretAddress) {
      return traced("snapshot.read", () =>
        db.transaction(
          async (tx) => {
            const project = await store.findProject(tx, address.projectId);
            if (!project) return { revision: 0n, exists: false, secrets: [] };
            const environment = await store.findEnvironment(tx, address.projectId, address.environment);
            const folder = environment && (await store.findFolder(tx, environment.id, address.path));
            if (!folder) return { revision: project.revision, exists: false, secrets: [] };
            const rows = await store.listFolderSecrets(tx, folder.id);
            return { revision: project.revision, exists: true, secrets: rows.map((row) => view(row, address, true)) };
          },
          { isolationLevel: "repeatable read", accessMode: "read only" },
        ),
      );
    },
  };
}

export type SourceService = ReturnType<typeof createSourceService>;

const eqProject = (projectId: string) => eq(environments.projectId, projectId);
const eqEnvironment = (environmentId: string) => eq(folders.environmentId, environmentId);
const eqId = (id: string) => eq(secrets.id, id);
