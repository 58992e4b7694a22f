/** One version of a KV v2 secret as the fake keeps it. `data` is undefined once destroyed. */
export interface FakeKvVersion {
  readonly version: number;
  readonly data: Record<string, unknown> | undefined;
  readonly createdTime: string;
  /** RFC 3339 time of a soft delete; "" while live. */
  deletionTime: string;
  readonly destroyed: boolean;
}

/** A secret's version history and timestamps, as KV v2 metadata reports them. */
export interface FakeKvSecret {
  readonly versions: FakeKvVersion[];
  readonly createdTime: string;
  updatedTime: string;
}

/** A check-and-set write either lands (new version) or is refused because `cas` is stale. */
export type FakeKvWriteResult = { readonly ok: true; readonly version: FakeKvVersion } | { readonly ok: false };

/**
 * In-memory KV v2 engines, one per (namespace, mount). Versions only grow; a soft delete stamps the
 * latest version; deleting metadata forgets the secret so its next version is 1 again.
 */
export interface FakeKvStore {
  hasMount(namespace: string, mount: string): boolean;
  /** The mount `apiPath` falls under (longest match), and the rest of the path. */
  matchMount(namespace: string, apiPath: string): { mount: string; rest: string } | undefined;
  secret(namespace: string, mount: string, path: string): FakeKvSecret | undefined;
  /** Writes a new version; with `cas` set, only when it equals the current version (0 = absent). */
  write(namespace: string, mount: string, path: string, data: Record<string, unknown>, cas?: number): FakeKvWriteResult;
  /** Soft-deletes the latest version; returns false when there is nothing to delete. */
  softDeleteLatest(namespace: string, mount: string, path: string): boolean;
  deleteMetadata(namespace: string, mount: string, path: string): void;
  /** Direct children of `prefix` (secrets as names, sub-folders with a trailing `/`), sorted. */
  list(namespace: string, mount: string, prefix: string): string[];
}

/** Creates the store with the given mounts enabled in every namespace ("" is the root namespace). */
export function createKvStore(mounts: readonly string[], namespaces: readonly string[]): FakeKvStore {
  const engines = new Map<string, Map<string, FakeKvSecret>>();
  for (const namespace of ["", ...namespaces]) {
    for (const mount of mounts) engines.set(engineKey(namespace, mount), new Map());
  }
  const engine = (namespace: string, mount: string): Map<string, FakeKvSecret> => {
    const found = engines.get(engineKey(namespace, mount));
    if (!found) throw new Error(`fake vault: no mount ${mount} in namespace "${namespace}"`);
    return found;
  };

  return {
    hasMount: (namespace, mount) => engines.has(engineKey(namespace, mount)),

    matchMount(namespace, apiPath) {
      const candidates = mounts.filter(
        (m) => engines.has(engineKey(namespace, m)) && (apiPath === m || apiPath.startsWith(`${m}/`)),
      );
      const mount = candidates.sort((a, b) => b.length - a.length)[0];
      return mount === undefined ? undefined : { mount, rest: apiPath.slice(mount.length + 1) };
    },

    secret: (namespace, mount, path) => engine(namespace, mount).get(path),

    write(namespace, mount, path, data, cas) {
      const secrets = engine(namespace, mount);
      const existing = secrets.get(path);
      const current = existing?.versions.length ?? 0;
      if (cas !== undefined && cas !== current) return { ok: false };
      const now = new Date().toISOString();
      const version: FakeKvVersion = {
        version: current + 1,
        data: structuredClone(data),
        createdTime: now,
        deletionTime: "",
        destroyed: false,
      };
      if (existing) {
        existing.versions.push(version);
        existing.updatedTime = now;
      } else {
        secrets.set(path, { versions: [version], createdTime: now, updatedTime: now });
      }
      return { ok: true, version };
    },

    softDeleteLatest(namespace, mount, path) {
      const secret = engine(namespace, mount).get(path);
      const latest = secret?.versions.at(-1);
      if (!secret || !latest || latest.deletionTime) return false;
      latest.deletionTime = new Date().toISOString();
      secret.updatedTime = latest.deletionTime;
      return true;
    },

    deleteMetadata(namespace, mount, path) {
      engine(namespace, mount).delete(path);
    },

    list(namespace, mount, prefix) {
      const folder = prefix === "" || prefix.endsWith("/") ? prefix : `${prefix}/`;
      const children = new Set<string>();
      for (const path of engine(namespace, mount).keys()) {
        if (!path.startsWith(folder)) continue;
        const rest = path.slice(folder.length);
        const slash = rest.indexOf("/");
        children.add(slash === -1 ? rest : rest.slice(0, slash + 1));
      }
      return [...children].sort();
    },
  };
}

function engineKey(namespace: string, mount: string): string {
  return `${namespace}\u0000${mount}`;
}
