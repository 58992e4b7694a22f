import { folderLineage } from "@syncline/source-path";

/**
 * Which folders' changes concern a sync source. A source sees changes of its own folder and, when
 * recursive, of every folder below it. Events for folders that import or reference another folder
 * are published for the importing folder itself, so they match by path like any other change.
 */

/** True when `path` is `ancestor` or lies below it (`/a/b` is within `/a` and `/`, not within `/ab`). */
export function isWithin(path: string, ancestor: string): boolean {
  if (ancestor === "/") return true;
  return path === ancestor || path.startsWith(`${ancestor}/`);
}

/** The source paths that would see a change of `changedPath`: the folder itself, and its ancestors for recursive sources. */
export function watchingSourcePaths(changedPath: string): { exact: string; ancestors: string[] } {
  return { exact: changedPath, ancestors: folderLineage(changedPath).filter((path) => path !== changedPath) };
}

/** Does a source at `source.path` (recursive or not) see a change of `changedPath`? */
export function sourceSees(source: { path: string; recursive: boolean }, changedPath: string): boolean {
  return source.path === changedPath || (source.recursive && isWithin(changedPath, source.path));
}
