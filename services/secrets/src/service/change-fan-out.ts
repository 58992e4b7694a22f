import type { Database } from "@syncline/db";
import { KeyChangeKind } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { createImportGraph } from "../domain/import-graph.ts";
import { findReferencers, loadPlacedImports, type FolderPlace } from "../store/composition-store.ts";

/**
 * Which other folders a write changes, through imports and references (README "Change events").
 * A folder that imports a changed folder (directly or through a chain) changes; a secret whose
 * value references a changed key changes, and so do that secret's own importers and referencers.
 * References resolve against stored secrets only, so a key that reaches a folder through an import
 * changes that folder's importers but not the referencers of the folder.
 */

/** Where the walk starts: a folder written directly, with what changed in it. */
export interface FanOutSeed {
  readonly place: FolderPlace;
  /** The changed keys; `"all"` when the whole folder changed (deleted, or not known key by key). */
  readonly keys: ReadonlyArray<{ key: string; kind: KeyChangeKind }> | "all";
  /** Stored secrets changed (`stored`), or only what the folder imports (`imports`). */
  readonly scope: "stored" | "imports";
  /** Deletions of a folder or an environment: referencers of the subtree's paths change too. */
  readonly subtree?: boolean;
  /** The written folder events name as origin; `place` unless told (a subfolder of a deleted folder). */
  readonly origin?: FolderPlace;
}

/** A folder changed by the write without being written: one SECRETS_CHANGED event each. */
export interface FannedOutChange {
  readonly place: FolderPlace;
  /** The directly written folder it was first reached from. */
  readonly origin: FolderPlace;
  /** Keys that may have changed; empty when any key may have. */
  readonly changes: ReadonlyArray<{ key: string; kind: KeyChangeKind }>;
}

interface Visit {
  readonly place: FolderPlace;
  readonly key: string | "*";
  readonly kind: KeyChangeKind;
  readonly scope: "stored" | "imports";
  readonly origin: FolderPlace;
}

/** Upper bound on walk levels (imports and references chained); the visited set ends it earlier. */
const MAX_LEVELS = 64;
/** Keys of one folder followed one by one through imports; more become one "any key" visit. */
const MAX_KEYED_VISITS = 1_000;

/**
 * Walks imports (in memory: one query for the project's imports) and the reference index (one
 * query per level), and returns every folder reached that was not itself written, once each.
 */
export async function fanOut(
  tx: Database,
  projectId: string,
  seeds: readonly FanOutSeed[],
): Promise<FannedOutChange[]> {
  if (seeds.length === 0) return [];
  const imports = await loadPlacedImports(tx, projectId);
  const graph = createImportGraph(imports);
  const places = new Map<string, FolderPlace>();
  for (const edge of imports) {
    places.set(edge.folderId, { folderId: edge.folderId, environment: edge.environment, path: edge.path });
    places.set(edge.importFolderId, {
      folderId: edge.importFolderId,
      environment: edge.importEnvironment,
      path: edge.importPath,
    });
  }

  const written = new Set(seeds.map((s) => s.place.folderId));
  const reached = new Map<
    string,
    { place: FolderPlace; origin: FolderPlace; all: boolean; keys: Map<string, KeyChangeKind> }
  >();
  const visited = new Set<string>();
  const visitId = (v: Visit) => `${v.place.folderId}\u0000${v.key}\u0000${v.scope}`;

  let level: Visit[] = [];
  const subtrees: Array<{ environment: string; path: string; origin: FolderPlace }> = [];
  for (const seed of seeds) {
    const base = { place: seed.place, scope: seed.scope, origin: seed.origin ?? seed.place };
    if (seed.keys === "all") level.push({ ...base, key: "*", kind: KeyChangeKind.UPDATED });
    else level.push(...seed.keys.map((k) => ({ ...base, key: k.key, kind: k.kind })));
    if (seed.subtree)
      subtrees.push({ environment: seed.place.environment, path: seed.place.path, origin: base.origin });
  }

  for (let depth = 0; depth < MAX_LEVELS && (level.length > 0 || subtrees.length > 0); depth++) {
    const current = level.filter((v) => !visited.has(visitId(v)));
    for (const v of current) visited.add(visitId(v));
    const next: Visit[] = [];
    const note = (v: Visit) => {
      if (written.has(v.place.folderId)) return;
      const entry =
        reached.get(v.place.folderId) ??
        reached
          .set(v.place.folderId, { place: v.place, origin: v.origin, all: false, keys: new Map() })
          .get(v.place.folderId)!;
      if (v.key === "*") entry.all = true;
      else if (!entry.keys.has(v.key)) entry.keys.set(v.key, v.kind);
    };

    // Importers see every change of what they import (unless shadowed: not worth a query). Past
    // MAX_KEYED_VISITS keys of one folder, importers are told "any key" (one visit, not thousands).
    const byFolder = new Map<string, Visit[]>();
    for (const v of current)
      (byFolder.get(v.place.folderId) ?? byFolder.set(v.place.folderId, []).get(v.place.folderId)!).push(v);
    for (const [folderId, visits] of byFolder) {
      const importers = graph.importers(folderId);
      if (importers.length === 0) continue;
      const whole = visits.length > MAX_KEYED_VISITS || visits.some((v) => v.key === "*");
      const passed = whole ? [{ ...visits[0]!, key: "*", kind: KeyChangeKind.UPDATED }] : visits;
      for (const importer of importers) {
        for (const v of passed) {
          const visit: Visit = {
            place: places.get(importer)!,
            key: v.key,
            kind: v.kind,
            scope: "imports",
            origin: v.origin,
          };
          note(visit);
          next.push(visit);
        }
      }
    }

    // Referencers see changes of stored secrets only.
    const stored = current.filter((v) => v.scope === "stored");
    const keyTargets = stored
      .filter((v) => v.key !== "*")
      .map((v) => ({ folderId: v.place.folderId, environment: v.place.environment, path: v.place.path, key: v.key }));
    const folderTargets = [
      ...stored
        .filter((v) => v.key === "*")
        .map((v) => ({ environment: v.place.environment, path: v.place.path, subtree: false })),
      ...subtrees.map((s) => ({ environment: s.environment, path: s.path, subtree: true })),
    ];
    const origins = new Map<string, FolderPlace>();
    for (const v of stored) if (!origins.has(placeId(v.place))) origins.set(placeId(v.place), v.origin);
    const subtreeOrigins = [...subtrees];
    subtrees.length = 0;
    const referencers = await findReferencers(tx, projectId, { keys: keyTargets, folders: folderTargets });
    for (const r of referencers) {
      const target = { environment: r.refEnvironment, path: r.refPath };
      const origin =
        origins.get(placeId(target)) ??
        subtreeOrigins.find((s) => s.environment === target.environment && within(target.path, s.path))?.origin ??
        seeds[0]!.place;
      const visit: Visit = {
        place: { folderId: r.folderId, environment: r.environment, path: r.path },
        key: r.key,
        kind: KeyChangeKind.UPDATED,
        scope: "stored",
        origin,
      };
      places.set(r.folderId, visit.place);
      note(visit);
      next.push(visit);
    }
    level = next;
  }

  return [...reached.values()].map((entry) => ({
    place: entry.place,
    origin: entry.origin,
    changes: entry.all ? [] : [...entry.keys].map(([key, kind]) => ({ key, kind })),
  }));
}

const placeId = (place: { environment: string; path: string }) => `${place.environment}\u0000${place.path}`;

/** True when `path` is `root` or below it. */
const within = (path: string, root: string) => root === "/" || path === root || path.startsWith(`${root}/`);
