/** Limits of source addresses, documented in the README. */
export const pathLimits = {
  environmentSlugLength: 32,
  pathLength: 512,
  pathDepth: 20,
} as const;

const SLUG = /^[a-z0-9][a-z0-9-]*$/;
const PATH_SEGMENT = /^[A-Za-z0-9_.-]+$/;

/** Environment slugs: lowercase letters, digits and '-'. Returns the problem, or undefined. */
export function checkEnvironmentSlug(value: string): string | undefined {
  if (value.length === 0) return "is required";
  if (value.length > pathLimits.environmentSlugLength)
    return `must be at most ${pathLimits.environmentSlugLength} characters`;
  return SLUG.test(value) ? undefined : "must be lowercase letters, digits and '-', starting with a letter or digit";
}

/**
 * Normalises a folder path: leading `/`, no trailing `/`, repeated `/` collapsed. Refuses `.`,
 * `..`, characters outside [A-Za-z0-9_.-], and paths too long or too deep.
 */
export function normaliseFolderPath(raw: string): { path: string } | { problem: string } {
  if (raw.length === 0) return { problem: "is required (use / for the root folder)" };
  if (!raw.startsWith("/")) return { problem: "must be absolute (start with /)" };
  if (raw.length > pathLimits.pathLength) return { problem: `must be at most ${pathLimits.pathLength} characters` };
  const segments = raw.split("/").filter((segment) => segment.length > 0);
  if (segments.length > pathLimits.pathDepth)
    return { problem: `must be at most ${pathLimits.pathDepth} folders deep` };
  for (const segment of segments) {
    if (segment === "." || segment === "..") return { problem: "must not contain '.' or '..' segments" };
    if (!PATH_SEGMENT.test(segment))
      return { problem: `segment "${segment.slice(0, 40)}" may contain only letters, digits, '_', '.' and '-'` };
  }
  return { path: `/${segments.join("/")}` };
}

/** The folder path and all its ancestors, root first: `/a/b` → `/`, `/a`, `/a/b`. */
export function folderLineage(path: string): string[] {
  const segments = path.split("/").filter(Boolean);
  return ["/", ...segments.map((_, i) => `/${segments.slice(0, i + 1).join("/")}`)];
}
