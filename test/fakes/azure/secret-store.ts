import { randomBytes } from "node:crypto";

/** One version of a Key Vault secret as the fake holds it. */
export interface FakeSecretVersion {
  readonly version: string;
  readonly value: string;
  readonly tags: Readonly<Record<string, string>>;
  readonly contentType: string | undefined;
  readonly enabled: boolean;
  /** Unix seconds, as Key Vault reports `created` / `updated`. */
  readonly created: number;
}

/** A secret by its name as first created (Key Vault names ignore case); `deleted` while soft-deleted. */
export interface FakeSecret {
  readonly name: string;
  readonly versions: FakeSecretVersion[];
  deleted: { readonly deletedDate: number; readonly scheduledPurgeDate: number } | undefined;
  /** Set for secrets backing a certificate: listed, but managed by Key Vault. */
  readonly managed: boolean;
}

/** Soft-delete retention the fake reports (days). */
export const RETENTION_DAYS = 90;

/** The secrets of one vault, by lower-cased name. */
export interface FakeSecretStore {
  get(name: string): FakeSecret | undefined;
  /** Every secret, active and deleted, in name order (case-insensitive). */
  all(): FakeSecret[];
  /** A new version; creates the secret under `name` when absent. The caller checks it is not deleted. */
  set(name: string, fields: Omit<FakeSecretVersion, "version" | "created">, managed?: boolean): FakeSecretVersion;
  softDelete(name: string): FakeSecret | undefined;
  recover(name: string): FakeSecret | undefined;
  purge(name: string): boolean;
}

export function createSecretStore(): FakeSecretStore {
  const secrets = new Map<string, FakeSecret>();
  const now = () => Math.floor(Date.now() / 1000);
  return {
    get: (name) => secrets.get(name.toLowerCase()),
    all: () => [...secrets.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, secret]) => secret),
    set(name, fields, managed = false) {
      const key = name.toLowerCase();
      const secret = secrets.get(key) ?? { name, versions: [], deleted: undefined, managed };
      secrets.set(key, secret);
      const version = { ...fields, version: randomBytes(16).toString("hex"), created: now() };
      secret.versions.push(version);
      return version;
    },
    softDelete(name) {
      const secret = secrets.get(name.toLowerCase());
      if (!secret || secret.deleted) return undefined;
      const deletedDate = now();
      secret.deleted = { deletedDate, scheduledPurgeDate: deletedDate + RETENTION_DAYS * 86_400 };
      return secret;
    },
    recover(name) {
      const secret = secrets.get(name.toLowerCase());
      if (!secret?.deleted) return undefined;
      secret.deleted = undefined;
      return secret;
    },
    purge(name) {
      const secret = secrets.get(name.toLowerCase());
      if (!secret?.deleted) return false;
      secrets.delete(name.toLowerCase());
      return true;
    },
  };
}
