import { traced, type Database } from "@syncline/db";
import { createImportGraph, precedenceOrder } from "../domain/import-graph.ts";
import { createExpander } from "../domain/reference-expansion.ts";
import {
  findSubtree,
  loadFolderSecrets,
  loadPlacedImports,
  type FolderPlace,
  type StoredSecret,
} from "../store/composition-store.ts";
import * as store from "../store/source-store.ts";
import type { SecretSealer } from "./secret-sealer.ts";
import { createReferencedValues } from "./secret-references-loader.ts";

/** What a sync reads: a folder, or with `recursive` the folder and every folder below it. */
export interface SnapshotRequest {
  readonly projectId: string;
  readonly environment: string;
  readonly path: string;
  readonly recursive: boolean;
}

/** One secret of a snapshot, expanded, with the folder it comes from. */
export interface SnapshotEntry {
  readonly key: string;
  readonly value: string;
  readonly environment: string;
  readonly path: string;
  readonly metadata: Record<string, string>;
}

/** The secrets of a source at one project revision (README "Snapshots"). */
export interface SourceSnapshot {
  readonly revision: bigint;
  readonly exists: boolean;
  /** Sorted by key, then environment and path. */
  readonly secrets: readonly SnapshotEntry[];
  /** Recursive only: keys that more than one folder provides, with those folders (`path`, or `env:path` for another environment). */
  readonly collisions: ReadonlyArray<{ key: string; paths: string[] }>;
  readonly referenceProblems: readonly string[];
}

interface Composed extends StoredSecret {
  readonly value: string;
}

/**
 * Reads snapshots for connector workers in one repeatable-read, read-only transaction: the
 * project revision, the folders, their imports (one query), every secret of the folders involved
 * (one query), values opened with one data-key unwrap, references loaded one query per level.
 */
export function createSourceSnapshots(deps: { db: Database; sealer: Pick<SecretSealer, "forProject"> }) {
  return {
    async read(request: SnapshotRequest): Promise<SourceSnapshot> {
      return traced("snapshot.read", () =>
        deps.db.transaction((tx) => readSnapshot(tx, deps.sealer, request), {
          isolationLevel: "repeatable read",
          accessMode: "read only",
        }),
      );
    },
  };
}

export type SourceSnapshots = ReturnType<typeof createSourceSnapshots>;

async function readSnapshot(
  tx: Database,
  sealer: Pick<SecretSealer, "forProject">,
  request: SnapshotRequest,
): Promise<SourceSnapshot> {
  const absent = (revision: bigint): SourceSnapshot => ({
    revision,
    exists: false,
    secrets: [],
    collisions: [],
    referenceProblems: [],
  });
  const project = await store.findProject(tx, request.projectId);
  if (!project) return absent(0n);
  const environment = await store.findEnvironment(tx, request.projectId, request.environment);
  const folder = environment && (await store.findFolder(tx, environment.id, request.path));
  if (!environment || !folder) return absent(project.revision);

  const subtree = request.recursive
    ? await findSubtree(tx, environment.id, request.path)
    : [{ id: folder.id, path: folder.path }];
  const imports = await loadPlacedImports(tx, request.projectId);
  const graph = createImportGraph(imports);
  const places = new Map<string, FolderPlace>(
    subtree.map((f) => [f.id, { folderId: f.id, environment: request.environment, path: f.path }]),
  );
  for (const edge of imports)
    places.set(edge.importFolderId, {
      folderId: edge.importFolderId,
      environment: edge.importEnvironment,
      path: edge.importPath,
    });
  const orders = subtree.map((f) => precedenceOrder(graph, f.id));
  const involved = new Map([...new Set(orders.flat())].map((id) => [id, places.get(id)!]));

  const values = await sealer.forProject(tx, request.projectId);
  const open = (s: StoredSecret) =>
    values.open({ secretId: s.secretId, version: s.version, sealedValue: s.sealedValue });
  const stored = await loadFolderSecrets(tx, involved);
  const byFolder = new Map<string, Map<string, StoredSecret>>();
  for (const secret of stored) {
    const keys = byFolder.get(secret.folderId) ?? byFolder.set(secret.folderId, new Map()).get(secret.folderId)!;
    keys.set(secret.key, secret);
  }

  // Precedence inside each folder of the subtree: its own keys, then its imports by position.
  const provided = new Map<string, StoredSecret[]>();
  for (const order of orders) {
    const composed = new Map<string, StoredSecret>();
    for (const id of order)
      for (const [key, secret] of byFolder.get(id) ?? []) if (!composed.has(key)) composed.set(key, secret);
    for (const [key, secret] of composed) {
      const list = provided.get(key) ?? provided.set(key, []).get(key)!;
      if (!list.some((s) => s.secretId === secret.secretId)) list.push(secret);
    }
  }

  // Only what the snapshot returns is opened up front; shadowed secrets only if referenced.
  const chosen: Composed[] = [...provided.values()].flat().map((s) => ({ ...s, value: open(s) }));
  const referenced = createReferencedValues(tx, request.projectId, open);
  referenced.add(stored, involved.values());
  referenced.add(chosen);
  const address = (s: Composed) => ({ environment: s.environment, path: s.path, key: s.key });
  await referenced.loadFrom(chosen.map((s) => ({ address: address(s), value: s.value })));
  const expander = createExpander(referenced.lookup);

  const problems = new Set<string>();
  const secrets: SnapshotEntry[] = chosen.map((s) => {
    const expanded = expander.expandStored(address(s), s.value);
    for (const p of expanded.problems) problems.add(p);
    return { key: s.key, value: expanded.value, environment: s.environment, path: s.path, metadata: s.metadata };
  });
  secrets.sort((a, b) => compare(a.key, b.key) || compare(a.environment, b.environment) || compare(a.path, b.path));
  const collisions = [...provided]
    .filter(([, list]) => list.length > 1)
    .map(([key, list]) => ({
      key,
      paths: list.map((s) => (s.environment === request.environment ? s.path : `${s.environment}:${s.path}`)).sort(),
    }))
    .sort((a, b) => compare(a.key, b.key));
  return { revision: project.revision, exists: true, secrets, collisions, referenceProblems: [...problems].sort() };
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
