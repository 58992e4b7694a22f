export { checkEnvironmentSlug, normaliseFolderPath, folderLineage, pathLimits } from "@syncline/source-path";

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
  environmentNameLength: 64,
  keyLength: 255,
  valueBytes: 256 * 1024,
  commentLength: 1024,
} as const;

const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]*$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Ids are UUIDs; anything else is refused before it reaches the database. */
export { checkUuid as checkId } from "@syncline/rpc";

export function checkProjectName(value: string): string | undefined {
  if (value.length === 0) return "is required";
  if (value.length > limits.projectNameLength) return `must be at most ${limits.projectNameLength} characters`;
  return PROJECT_NAME.test(value) ? undefined : "may contain letters, digits, spaces, '_', '.' and '-', starting with a letter or digit";
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
  if (value.includes("\u0000")) return "must not contain NUL characters (PostgreSQL text cannot hold them)";
  return value.length > limits.commentLength ? `must be at most ${limits.commentLength} characters` : undefined;
}

