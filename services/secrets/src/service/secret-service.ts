import { traced, type Database } from "@syncline/db";
import { notFound } from "@syncline/errors";
import { folderLineage } from "../domain/source-rules.ts";
import * as secretStore from "../store/secret-store.ts";
import * as store from "../store/source-store.ts";
import type { KeysetPage } from "../store/source-store.ts";
import type { Actor } from "./audit-log.ts";
import { createSecretGroupCommit } from "./secret-group-commit.ts";
import type { SecretSealer } from "./secret-sealer.ts";
import { applySecretWrites, type SecretView } from "./secret-writes.ts";
import { checkExpectedVersion, secretExists, secretNotFound } from "./single-write-errors.ts";
import {
  createWriteRunner,
  existingFolder,
  existingFolderIn,
  lockedEnvironment,
  type SecretAddress,
  type WriteDeps,
} from "./write-transaction.ts";

/** What an update changes; unset fields keep their content. */
export interface SecretPatch {
  readonly value?: string;
  readonly comment?: string;
  readonly metadata?: Record<string, string>;
  readonly expectedVersion?: number;
}

/** A version of a secret as the API returns it. */
export interface SecretVersionView {
  readonly secretId: string;
  readonly version: number;
  readonly value: string;
  readonly comment: string;
  readonly metadata: Record<string, string>;
  readonly actor: string;
  readonly createdAt: Date;
}

export { checkExpectedVersion };

/**
 * Single-secret use cases: create, update, delete, read, list, versions and rollback. Every write
 * creates a version row and goes through `applySecretWrites` (the path bulk writes use too).
 * With `groupCommit` (the default) creates, updates and deletes of a project that arrive while one
 * of its writes runs are committed together (secret-group-commit.ts); each call still gets exactly
 * its own response or error.
 */
export function createSecretService(deps: WriteDeps & { sealer: SecretSealer; groupCommit?: boolean }) {
  const { db, sealer } = deps;
  const write = createWriteRunner(deps);
  const groups = deps.groupCommit === false ? undefined : createSecretGroupCommit(deps);

  const withValue = async (executor: Database, row: store.SecretRow, address: SecretAddress): Promise<SecretView> => {
    const values = await sealer.forProject(executor, row.projectId);
    return {
      ...address,
      id: row.id,
      key: row.key,
      value: values.open({ secretId: row.id, version: row.version, sealedValue: row.sealedValue }),
      comment: row.comment,
      metadata: row.metadata,
      version: row.version,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  };

  /** Locks the project and finds the secret, or NOT_FOUND. */
  const lockedSecret = async (tx: Database, address: SecretAddress, key: string) => {
    const { revision, environment } = await lockedEnvironment(tx, address.projectId, address.environment);
    const folder = await existingFolderIn(tx, environment, address);
    const current = await store.findSecret(tx, folder.id, key);
    if (!current) throw secretNotFound(address, key);
    return { revision, folder, current };
  };

  const secretOf = async (address: SecretAddress, key: string) => {
    const folder = await existingFolder(db, address);
    const row = await store.findSecret(db, folder.id, key);
    if (!row) throw secretNotFound(address, key);
    return row;
  };

  const versionView = (row: secretStore.SecretVersionRow, value: string): SecretVersionView => ({
    secretId: row.secretId,
    version: row.version,
    value,
    comment: row.comment,
    metadata: row.metadata,
    actor: row.actor,
    createdAt: row.createdAt,
  });

  return {
    async createSecret(
      actor: Actor,
      address: SecretAddress,
      input: { key: string; value: string; comment: string; metadata: Record<string, string> },
    ): Promise<SecretView> {
      if (groups) {
        return traced("secrets.insert", () => groups.submit({ operation: "create", actor, address, ...input }));
      }
      return write("secrets.insert", async (tx) => {
        const { revision, environment } = await lockedEnvironment(tx, address.projectId, address.environment);
        const { folder } = await store.ensureFolders(tx, environment, folderLineage(address.path));
        if (await store.findSecret(tx, folder.id, input.key)) throw secretExists(address, input.key);
        const values = await sealer.forProjectWrite(tx, address.projectId);
        const { created } = await applySecretWrites(tx, {
          projectId: address.projectId,
          actor,
          revision,
          values,
          creates: [{ folderId: folder.id, ...address, ...input }],
          rewrites: [],
          deletes: [],
        });
        return { ...created[0]!, value: input.value };
      });
    },

    async updateSecret(actor: Actor, address: SecretAddress, key: string, patch: SecretPatch): Promise<SecretView> {
      if (groups) {
        return traced("secrets.update", () => groups.submit({ operation: "update", actor, address, key, ...patch }));
      }
      return write("secrets.update", async (tx) => {
        const { revision, folder, current } = await lockedSecret(tx, address, key);
        checkExpectedVersion(key, current.version, patch.expectedVersion);
        const values = await sealer.forProjectWrite(tx, address.projectId);
        const value =
          patch.value ??
          values.open({ secretId: current.id, version: current.version, sealedValue: current.sealedValue });
        const rewrite = {
          folderId: folder.id,
          ...address,
          key,
          current,
          value,
          valueChanged: patch.value !== undefined,
          comment: patch.comment ?? current.comment,
          metadata: patch.metadata ?? current.metadata,
        };
        const { rewritten } = await applySecretWrites(tx, {
          projectId: address.projectId,
          actor,
          revision,
          values,
          creates: [],
          rewrites: [rewrite],
          deletes: [],
        });
        return { ...rewritten[0]!, value };
      });
    },

    async deleteSecret(actor: Actor, address: SecretAddress, key: string, expectedVersion?: number): Promise<bigint> {
      if (groups) {
        const call = { operation: "delete", actor, address, key, expectedVersion } as const;
        return traced("secrets.delete", () => groups.submit(call));
      }
      return write("secrets.delete", async (tx) => {
        const { revision, folder, current } = await lockedSecret(tx, address, key);
        checkExpectedVersion(key, current.version, expectedVersion);
        const values = await sealer.forProjectWrite(tx, address.projectId);
        await applySecretWrites(tx, {
          projectId: address.projectId,
          actor,
          revision,
          values,
          creates: [],
          rewrites: [],
          deletes: [{ folderId: folder.id, ...address, key, current }],
        });
        return revision;
      });
    },

    async getSecret(address: SecretAddress, key: string): Promise<SecretView> {
      return traced("secrets.get", async () => withValue(db, await secretOf(address, key), address));
    },

    /** The folder's secrets in key order after the key `page.after`, at most `page.limit`. */
    async listSecrets(address: SecretAddress, includeValues: boolean, page: KeysetPage): Promise<SecretView[]> {
      return traced("secrets.list", async () => {
        const folder = await existingFolder(db, address);
        const rows = await store.listFolderSecrets(db, folder.id, page);
        const values = includeValues && rows.length > 0 ? await sealer.forProject(db, address.projectId) : undefined;
        return rows.map((row) => ({
          ...address,
          id: row.id,
          key: row.key,
          comment: row.comment,
          metadata: row.metadata,
          version: row.version,
          createdAt: row.createdAt,
          updatedAt: row.updatedAt,
          value: values ? values.open({ secretId: row.id, version: row.version, sealedValue: row.sealedValue }) : "",
        }));
      });
    },

    /** Versions newest first, below `beforeVersion` when paging; values only when asked for. */
    async listSecretVersions(
      address: SecretAddress,
      key: string,
      options: { includeValues: boolean; beforeVersion?: number; limit: number },
    ) {
      return traced("secret_versions.list", async () => {
        const secret = await secretOf(address, key);
        const rows = await secretStore.listSecretVersions(db, secret.id, options);
        const values =
          options.includeValues && rows.length > 0 ? await sealer.forProject(db, address.projectId) : undefined;
        return rows.map((row) => versionView(row, values ? values.open(row) : ""));
      });
    },

    async getSecretVersion(address: SecretAddress, key: string, version: number): Promise<SecretVersionView> {
      return traced("secret_versions.get", async () => {
        const secret = await secretOf(address, key);
        const row = await secretStore.findSecretVersion(db, secret.id, version);
        if (!row) throw notFound(`version ${version} of secret "${key}" in ${address.environment}:${address.path}`);
        return versionView(row, (await sealer.forProject(db, address.projectId)).open(row));
      });
    },

    /** Writes a new version carrying the value, comment and metadata of `version`. */
    async rollbackSecret(
      actor: Actor,
      address: SecretAddress,
      key: string,
      version: number,
      expectedVersion?: number,
    ): Promise<SecretView> {
      return write("secrets.rollback", async (tx) => {
        const { revision, folder, current } = await lockedSecret(tx, address, key);
        checkExpectedVersion(key, current.version, expectedVersion);
        const old = await secretStore.findSecretVersion(tx, current.id, version);
        if (!old) throw notFound(`version ${version} of secret "${key}" in ${address.environment}:${address.path}`);
        const values = await sealer.forProjectWrite(tx, address.projectId);
        const value = values.open(old);
        const rewrite = {
          folderId: folder.id,
          ...address,
          key,
          current,
          value,
          valueChanged: true,
          comment: old.comment,
          metadata: old.metadata,
          action: "secret.rollback",
          auditDetails: { from_version: String(version) },
        };
        const { rewritten } = await applySecretWrites(tx, {
          projectId: address.projectId,
          actor,
          revision,
          values,
          creates: [],
          rewrites: [rewrite],
          deletes: [],
        });
        return { ...rewritten[0]!, value };
      });
    },
  };
}
