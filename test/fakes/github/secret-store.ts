import { randomInt } from "node:crypto";
import sodium from "libsodium-wrappers";

/** Where GitHub Actions secrets live: a repository (`owner/name`), one of its environments, or an organization. */
export type FakeSecretScope =
  | { readonly repository: string; readonly environment?: string }
  | { readonly organization: string };

/** Which repositories may use an organization secret. */
export type FakeVisibility = "all" | "private" | "selected";

/** One secret as GitHub holds it: the decrypted value is the fake's inspection aid, never served. */
export interface FakeSecret {
  readonly name: string;
  readonly value: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Organization secrets only. */
  readonly visibility?: FakeVisibility;
  readonly selectedRepositoryIds?: readonly number[];
}

/** A repository the fake knows; ids are assigned in declaration order from 1001. */
export interface FakeRepository {
  readonly owner: string;
  readonly name: string;
  readonly id: number;
  readonly environments: readonly string[];
}

/** A scope's key pair (libsodium Curve25519) and its secrets, by upper-case name. */
export interface FakeScopeState {
  readonly label: string;
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
  readonly secrets: Map<string, FakeSecret>;
}

/**
 * The fake's world: repositories (with environments), organizations, and per scope a real key
 * pair so sealed values can be opened. Owner, repository, organization and environment names are
 * case-insensitive, as on GitHub; secret names are stored upper-cased.
 */
export interface FakeSecretStore {
  /** The scope's state, or undefined when the repository, environment or organization does not exist. */
  scope(scope: FakeSecretScope): FakeScopeState | undefined;
  repository(owner: string, name: string): FakeRepository | undefined;
  repositoryById(id: number): FakeRepository | undefined;
  hasOrganization(organization: string): boolean;
  /** Opens a base64 sealed box with the scope's private key; undefined when it does not open. */
  open(state: FakeScopeState, encryptedValue: string): string | undefined;
  /** Creates or replaces a secret; returns whether it was created. */
  put(
    state: FakeScopeState,
    name: string,
    value: string,
    org?: { visibility: FakeVisibility; selectedRepositoryIds: readonly number[] },
  ): boolean;
}

/** Builds the store; `sodium.ready` must have resolved (startFakeGitHub awaits it). */
export function createSecretStore(input: {
  repositories: readonly { owner: string; name: string; environments?: readonly string[] }[];
  organizations: readonly string[];
}): FakeSecretStore {
  const repositories = input.repositories.map((r, index) => ({
    owner: r.owner,
    name: r.name,
    id: 1001 + index,
    environments: [...(r.environments ?? [])],
  }));
  const organizations = new Set(input.organizations.map((o) => o.toLowerCase()));
  const scopes = new Map<string, FakeScopeState>();
  const findRepository = (owner: string, name: string) =>
    repositories.find(
      (r) => r.owner.toLowerCase() === owner.toLowerCase() && r.name.toLowerCase() === name.toLowerCase(),
    );

  function state(key: string, label: string): FakeScopeState {
    let found = scopes.get(key);
    if (!found) {
      const pair = sodium.crypto_box_keypair();
      found = {
        label,
        keyId: String(randomInt(1e9, 9e9)) + String(randomInt(1e8, 9e8)),
        publicKey: pair.publicKey,
        privateKey: pair.privateKey,
        secrets: new Map(),
      };
      scopes.set(key, found);
    }
    return found;
  }

  return {
    scope(scope) {
      if ("organization" in scope) {
        return organizations.has(scope.organization.toLowerCase())
          ? state(`org:${scope.organization.toLowerCase()}`, `organization ${scope.organization}`)
          : undefined;
      }
      const [owner = "", name = ""] = scope.repository.split("/");
      const repository = findRepository(owner, name);
      if (!repository) return undefined;
      const full = `${repository.owner}/${repository.name}`.toLowerCase();
      if (scope.environment === undefined) return state(`repo:${full}`, `repository ${full}`);
      const environment = repository.environments.find((e) => e.toLowerCase() === scope.environment!.toLowerCase());
      return environment === undefined
        ? undefined
        : state(`env:${full}:${environment.toLowerCase()}`, `environment ${environment} of ${full}`);
    },

    repository: findRepository,
    repositoryById: (id) => repositories.find((r) => r.id === id),
    hasOrganization: (organization) => organizations.has(organization.toLowerCase()),

    open(state, encryptedValue) {
      try {
        const sealed = sodium.from_base64(encryptedValue, sodium.base64_variants.ORIGINAL);
        return sodium.to_string(sodium.crypto_box_seal_open(sealed, state.publicKey, state.privateKey));
      } catch {
        return undefined;
      }
    },

    put(state, name, value, org) {
      const upper = name.toUpperCase();
      const existing = state.secrets.get(upper);
      const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
      state.secrets.set(upper, {
        name: upper,
        value,
        createdAt: existing?.createdAt ?? now,
        updatedAt: now,
        ...(org ? { visibility: org.visibility, selectedRepositoryIds: [...org.selectedRepositoryIds] } : {}),
      });
      return existing === undefined;
    },
  };
}
