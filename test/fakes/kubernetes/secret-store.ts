import { randomUUID } from "node:crypto";

/** A stored Secret as the API server returns it (`data` base64-encoded). */
export interface StoredSecret {
  apiVersion: "v1";
  kind: "Secret";
  metadata: {
    name: string;
    namespace: string;
    uid: string;
    resourceVersion: string;
    creationTimestamp: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  type: string;
  immutable?: boolean;
  data?: Record<string, string>;
}

/** The fake's etcd: Secrets by namespace and name, one resourceVersion counter for all. */
export interface SecretStore {
  readonly namespaces: ReadonlySet<string>;
  get(namespace: string, name: string): StoredSecret | undefined;
  list(namespace: string): StoredSecret[];
  /** Stores the object with a new resourceVersion (and uid / creation time when new); returns a copy. */
  put(
    secret: Omit<StoredSecret, "metadata"> & {
      metadata: Partial<StoredSecret["metadata"]> & { name: string; namespace: string };
    },
  ): StoredSecret;
  delete(namespace: string, name: string): boolean;
  /** Bumps the object's resourceVersion without changing it, as another writer's no-op update would. */
  touch(namespace: string, name: string): void;
  readonly resourceVersion: string;
}

/** Creates an empty store with the given namespaces. */
export function createSecretStore(namespaces: readonly string[]): SecretStore {
  const byNamespace = new Map(namespaces.map((ns) => [ns, new Map<string, StoredSecret>()]));
  let version = 1000;
  return {
    namespaces: new Set(namespaces),
    get: (namespace, name) => {
      const secret = byNamespace.get(namespace)?.get(name);
      return secret ? structuredClone(secret) : undefined;
    },
    list: (namespace) =>
      [...(byNamespace.get(namespace)?.values() ?? [])]
        .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1))
        .map((s) => structuredClone(s)),
    put(secret) {
      const space = byNamespace.get(secret.metadata.namespace);
      if (!space) throw new Error(`fake kubernetes: no namespace ${secret.metadata.namespace}`);
      const existing = space.get(secret.metadata.name);
      const stored: StoredSecret = {
        ...structuredClone(secret),
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          ...structuredClone(secret.metadata),
          uid: existing?.metadata.uid ?? randomUUID(),
          creationTimestamp: existing?.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, "Z"),
          resourceVersion: String(++version),
        },
      };
      space.set(stored.metadata.name, stored);
      return structuredClone(stored);
    },
    delete: (namespace, name) => byNamespace.get(namespace)?.delete(name) ?? false,
    touch(namespace, name) {
      const secret = byNamespace.get(namespace)?.get(name);
      if (secret) secret.metadata.resourceVersion = String(++version);
    },
    get resourceVersion() {
      return String(version);
    },
  };
}
