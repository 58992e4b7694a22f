/*
 * READ SIDE (snapshots, references — H3-B): decrypt values only through this file.
 *   const values = await sealer.forProject(tx, projectId);          // once per project per read
 *   const plaintext = values.open({ secretId, version, sealedValue }); // per `secrets` or `secret_versions` row
 * `forProject` only reads (fine in a read-only, repeatable-read transaction) and caches the unwrapped
 * data key; `open` throws (→ INTERNAL, never the value) when a ciphertext was moved or altered.
 * The sealer is created in main.ts (`createSecretSealer`) and handed to the services.
 */
import { createRootKeyring, createValueCipher, generateDataKey, type RootKeyring } from "@syncline/crypto";
import type { Database } from "@syncline/db";
import * as keys from "../store/data-key-store.ts";

/** A sealed value and the row facts its associated data binds. */
export interface SealedSecretValue {
  readonly secretId: string;
  readonly version: number;
  readonly sealedValue: Uint8Array;
}

/** Seals and opens the values of one project under its data key. */
export interface ProjectValues {
  seal(secretId: string, version: number, value: string): Buffer;
  /** The plaintext; throws when the data key, the row binding or the bytes do not match. */
  open(row: SealedSecretValue): string;
}

/**
 * Envelope encryption of secret values: a data key per project (AES-256-GCM), stored wrapped by the
 * root key; each value is bound by associated data to its project, secret and version, so a
 * ciphertext copied to another row or version fails to open.
 */
export interface SecretSealer {
  readonly keyring: RootKeyring;
  /** The project's values, for reading; a project without a data key has no values to open. */
  forProject(db: Database, projectId: string): Promise<ProjectValues>;
  /** The project's values inside a write transaction; creates the data key when missing. */
  forProjectWrite(tx: Database, projectId: string): Promise<ProjectValues>;
  /** Drops a deleted project's key from the cache. */
  forget(projectId: string): void;
}

const CACHE_LIMIT = 10_000;

/** The associated data of a value: project, secret and version. */
export function valueBinding(projectId: string, secretId: string, version: number): string {
  return `syncline/secret/${projectId}/${secretId}/${version}`;
}

/** Creates the sealer over the configured root keys (current first, then previous ones). */
export function createSecretSealer(rootKeys: { current: Uint8Array; previous?: readonly Uint8Array[] }): SecretSealer {
  const keyring = createRootKeyring(rootKeys.current, rootKeys.previous ?? []);
  const cache = new Map<string, ProjectValues>();

  const remember = (projectId: string, values: ProjectValues) => {
    if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
    cache.set(projectId, values);
    return values;
  };

  const valuesFor = (projectId: string, dataKey: Buffer): ProjectValues => {
    const cipher = createValueCipher(dataKey);
    return {
      seal: (secretId, version, value) => cipher.seal(value, valueBinding(projectId, secretId, version)),
      open(row) {
        try {
          return cipher.open(row.sealedValue, valueBinding(projectId, row.secretId, row.version)).toString("utf8");
        } catch (error) {
          throw new Error(
            `cannot open the value of secret ${row.secretId} version ${row.version}: it was not sealed for this project, secret and version (copied or altered row)`,
            { cause: error },
          );
        }
      },
    };
  };

  const noKey = (projectId: string): ProjectValues => ({
    seal() {
      throw new Error(`project ${projectId} has no data key`);
    },
    open(row) {
      throw new Error(`cannot open the value of secret ${row.secretId}: project ${projectId} has no data key`);
    },
  });

  const load = async (db: Database, projectId: string, cached: boolean): Promise<ProjectValues | undefined> => {
    const row = await keys.findDataKey(db, projectId);
    if (!row) return undefined;
    const values = valuesFor(
      projectId,
      keyring.unwrap({ rootKeyId: row.rootKeyId, wrapped: row.wrappedKey }, projectId),
    );
    return cached ? remember(projectId, values) : values;
  };

  return {
    keyring,
    async forProject(db, projectId) {
      return cache.get(projectId) ?? (await load(db, projectId, true)) ?? noKey(projectId);
    },
    async forProjectWrite(tx, projectId) {
      const known = cache.get(projectId) ?? (await load(tx, projectId, true));
      if (known) return known;
      const wrapped = keyring.wrap(generateDataKey(), projectId);
      await keys.insertDataKey(tx, { projectId, rootKeyId: wrapped.rootKeyId, wrappedKey: wrapped.wrapped });
      // Read back (a concurrent transaction may have stored its key first), but do not cache a key
      // this transaction may yet roll back: the next read after commit caches it.
      return (await load(tx, projectId, false))!;
    },
    forget(projectId) {
      cache.delete(projectId);
    },
  };
}

/**
 * Data keys wrapped by root keys the keyring does not hold (id → count). Checked at start-up, so
 * a service given the wrong root key refuses to start instead of failing on every read.
 */
export async function dataKeysOfUnknownRootKeys(db: Database, keyring: RootKeyring): Promise<Map<string, number>> {
  const counts = await keys.countDataKeysByRootKey(db);
  for (const id of keyring.knownIds) counts.delete(id);
  return counts;
}
