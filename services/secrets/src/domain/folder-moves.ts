import { normaliseFolderPath } from "@syncline/source-path";

/** True when `path` is `ancestor` or lies below it. */
export function isInSubtree(path: string, ancestor: string): boolean {
  return ancestor === "/" || path === ancestor || path.startsWith(`${ancestor}/`);
}

/** The parent folder of a non-root path: `/a/b` → `/a`, `/a` → `/`. */
export function parentPath(path: string): string {
  const cut = path.lastIndexOf("/");
  return cut <= 0 ? "/" : path.slice(0, cut);
}

/** Where a folder of the subtree at `from` lands when that subtree moves to `to`. */
export function movedPath(path: string, from: string, to: string): string {
  return `${to}${path.slice(from.length)}`;
}

/**
 * Why moving `from` to `to` is refused regardless of what exists, or undefined: the root cannot
 * move, nothing can become the root, and a folder cannot move into its own subtree.
 */
export function checkMove(from: string, to: string): { field: "path" | "new_path"; description: string } | undefined {
  if (from === "/") return { field: "path", description: "the root folder cannot be moved" };
  if (to === "/")
    return { field: "new_path", description: "the root folder already exists; choose a new path below it" };
  if (isInSubtree(to, from)) return { field: "new_path", description: `must not be ${from} or lie inside it` };
  return undefined;
}

/** The first moved path that breaks the path rules (too long or too deep), or undefined. */
export function checkMovedPaths(paths: readonly string[], from: string, to: string): string | undefined {
  for (const path of paths) {
    const result = normaliseFolderPath(movedPath(path, from, to));
    if ("problem" in result) return `moving would put a subfolder at a path that ${result.problem} (from ${path})`;
  }
  return undefined;
}
