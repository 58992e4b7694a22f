/**
 * The rules of secret imports over a project's import edges (README "Imports"): precedence,
 * chains, cycles and depth. Pure: callers load the edges of one project and pass them in.
 */

/** Bounds of imports. */
export const importLimits = {
  /** Longest chain of imports (A imports B imports C … ) counted in import steps. */
  depth: 10,
  /** Imports one folder may have. */
  perFolder: 50,
} as const;

/** One import: `folderId` imports `importFolderId` at `position` (1 first). */
export interface ImportEdge {
  readonly folderId: string;
  readonly importFolderId: string;
  readonly position: number;
}

/** The import edges of one project, indexed both ways. */
export interface ImportGraph {
  /** What a folder imports, by position. */
  imports(folderId: string): readonly string[];
  /** The folders that import a folder. */
  importers(folderId: string): readonly string[];
}

/** Indexes a project's import edges both ways, each folder's imports sorted by position. */
export function createImportGraph(edges: readonly ImportEdge[]): ImportGraph {
  const out = new Map<string, ImportEdge[]>();
  const into = new Map<string, string[]>();
  for (const edge of edges) {
    (out.get(edge.folderId) ?? out.set(edge.folderId, []).get(edge.folderId)!).push(edge);
    (into.get(edge.importFolderId) ?? into.set(edge.importFolderId, []).get(edge.importFolderId)!).push(edge.folderId);
  }
  for (const list of out.values()) list.sort((a, b) => a.position - b.position);
  return {
    imports: (folderId) => (out.get(folderId) ?? []).map((edge) => edge.importFolderId),
    importers: (folderId) => into.get(folderId) ?? [],
  };
}

/**
 * The folders whose secrets make up `folderId`'s secrets, in precedence order: the folder itself,
 * then each import by position, depth first (an imported folder's own imports come right after
 * it). The first folder holding a key provides it. Each folder appears once; chains stop at
 * `importLimits.depth` (creation refuses longer ones).
 */
export function precedenceOrder(graph: ImportGraph, folderId: string): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  const visit = (id: string, depth: number) => {
    if (seen.has(id) || depth > importLimits.depth) return;
    seen.add(id);
    order.push(id);
    for (const next of graph.imports(id)) visit(next, depth + 1);
  };
  visit(folderId, 0);
  return order;
}

/**
 * Why `folderId` may not import `importFolderId`, given the current edges: the cycle it would
 * close, or the too-long chain it would create — each as the list of folder ids along it.
 */
export function importProblem(
  graph: ImportGraph,
  folderId: string,
  importFolderId: string,
): { cycle: string[] } | { chain: string[] } | undefined {
  const back = pathBetween(graph, importFolderId, folderId);
  if (back) return { cycle: [folderId, ...back] };
  const above = longestChain(folderId, (id) => graph.importers(id)).reverse();
  const below = longestChain(importFolderId, (id) => graph.imports(id));
  const chain = [...above, ...below];
  return chain.length - 1 > importLimits.depth ? { chain } : undefined;
}

/** A chain of imports from `from` to `to` (inclusive), if there is one. */
function pathBetween(graph: ImportGraph, from: string, to: string): string[] | undefined {
  const parent = new Map<string, string | null>([[from, null]]);
  const queue = [from];
  while (queue.length > 0) {
    const id = queue.shift()!;
    if (id === to) {
      const path: string[] = [];
      for (let at: string | null = id; at !== null; at = parent.get(at)!) path.push(at);
      return path.reverse();
    }
    for (const next of graph.imports(id)) {
      if (!parent.has(next)) {
        parent.set(next, id);
        queue.push(next);
      }
    }
  }
  return undefined;
}

/** The longest walk from `start` along `next` (the graph is acyclic), `start` first. */
function longestChain(start: string, next: (id: string) => readonly string[]): string[] {
  const memo = new Map<string, string[]>();
  const walk = (id: string, guard: Set<string>): string[] => {
    const known = memo.get(id);
    if (known) return known;
    let best: string[] = [];
    for (const n of next(id)) {
      if (guard.has(n)) continue;
      guard.add(n);
      const candidate = walk(n, guard);
      guard.delete(n);
      if (candidate.length > best.length) best = candidate;
    }
    const chain = [id, ...best];
    memo.set(id, chain);
    return chain;
  };
  return walk(start, new Set([start]));
}
