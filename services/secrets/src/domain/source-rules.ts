/**
 * The rules for names in the source model, in one place (documented in the README). Each check
 * returns a description of what is wrong, or undefined when the input is acceptable.
 */

/** A problem with one request field. */
export interface Violation {
  readonly field: string;
  readonly description: string;
}

export const limits = {
  projectNameLength: 64,
  environmentSlugLength: 32,
  environmentNameLength: 64,
  pathLength: 512,
  pathDepth: 20,
  keyLength: 255,
  valueBytes: 256 * 1024,
  commentLength: 1024,
} as const;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]*$/;
const SLUG = /^[a-z0-9][a-z0-9-]*$/;
const PATH_SEGMENT = /^[A-Za-z0-9_.-]+$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Ids are UUIDs; anything else is refused before it reaches the database. */
export function checkId(value: string): string | undefined {
  return UUID.test(value) ? undefined : "must be a UUID";
}

export function checkProjectName(value: string): string | undefined {
  if (value.length === 0) return "is required";
  if (value.length > limits.projectNameLength) return `must be at most ${limits.projectNameLength} characters`;
  return PROJECT_NAME.test(value) ? undefined : "may contain letters, digits, spaces, '_', '.' and '-', starting with a letter or digit";
}

export function checkEnvironmentSlug(value: string): string | undefined {
  if (value.length === 0) return "is required";
  if (value.length > limits.environmentSlugLength) return `must be at most ${limits.environmentSlugLength} characters`;
  return SLUG.test(value) ? undefined : "must be lowercase letters, digits and '-', starting with a letter or digit";
}

export function checkEnvironmentName(value: string): string | undefined {
  if (value.length > limits.environmentNameLength) return `must be at most ${limits.environmentNameLength} characters`;
  return /[\u0000-\u001f]/.test(value) ? "must not contain control characters" : undefined;
}

/** Secret keys are case-sensitive, unique per folder. */
export function checkSecretKey(value: string): string | undefined {
  if (value.length === 0) return "is required";
  if (value.length > limits.keyLength) return `must be at most ${limits.keyLength} characters`;
  return KEY.test(value) ? undefined : "must start with a letter or '_' and contain only letters, digits, '_', '.' and '-'";
}

export function checkSecretValue(value: string): string | undefined {
  const bytes = Buffer.byteLength(value, "utf8");
  return bytes > limits.valueBytes ? `must be at most ${limits.valueBytes} bytes (got ${bytes})` : undefined;
}

export function checkComment(value: string): string | undefined {
  return value.length > limits.commentLength ? `must be at most ${limits.commentLength} characters` : undefined;
}

/**
 * Normalises a folder path: leading `/`, no trailing `/`, repeated `/` collapsed. Refuses `.`,
 * `..`, characters outside [A-Za-z0-9_.-], and paths too long or too deep.
 */
export function normaliseFolderPath(raw: string): { path: string } | { problem: string } {
  if (raw.length === 0) return { problem: "is required (use / for the root folder)" };
  if (!raw.startsWith("/")) return { problem: "must be absolute (start with /)" };
  if (raw.length > limits.pathLength) return { problem: `must be at most ${limits.pathLength} characters` };
  const segments = raw.split("/").filter((segment) => segment.length > 0);
  if (segments.length > limits.pathDepth) return { problem: `must be at most ${limits.pathDepth} folders deep` };
  for (const segment of segments) {
    if (segment === "." || segment === "..") return { problem: "must not contain '.' or '..' segments" };
    if (!PATH_SEGMENT.test(segment)) return { problem: `segment "${segment.slice(0, 40)}" may contain only letters, digits, '_', '.' and '-'` };
  }
  return { path: `/${segments.join("/")}` };
}

/** The folder path and all its ancestors, root first: `/a/b` → `/`, `/a`, `/a/b`. */
export function folderLineage(path: string): string[] {
  const segments = path.split("/").filter(Boolean);
  return ["/", ...segments.map((_, i) => `/${segments.slice(0, i + 1).join("/")}`)];
}
