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
  metadataEntries: 32,
  metadataKeyLength: 64,
  metadataValueLength: 256,
  bulkWrites: 10_000,
  /** Highest version number a secret can reach (PostgreSQL integer). */
  version: 2 ** 31 - 1,
} as const;

const PROJECT_NAME = /^[A-Za-z0-9][A-Za-z0-9 _.-]*$/;
const KEY = /^[A-Za-z_][A-Za-z0-9_.-]*$/;
const METADATA_KEY = /^[A-Za-z0-9_.-]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: it lists the control characters refused
const CONTROL = /[\u0000-\u001f\u007f]/;
const AUDIT_ACTION_PREFIX = /^[a-z_.]*$/;

/** Ids are UUIDs; anything else is refused before it reaches the database. */
export { checkUuid as checkId } from "@syncline/rpc";

export function checkProjectName(value: string): string | undefined {
  if (value.length === 0) return "is required";
  if (value.length > limits.projectNameLength) return `must be at most ${limits.projectNameLength} characters`;
  return PROJECT_NAME.test(value)
    ? undefined
    : "may contain letters, digits, spaces, '_', '.' and '-', starting with a letter or digit";
}

export function checkEnvironmentName(value: string): string | undefined {
  if (value.length > limits.environmentNameLength) return `must be at most ${limits.environmentNameLength} characters`;
  return CONTROL.test(value) ? "must not contain control characters" : undefined;
}

/** Secret keys are case-sensitive, unique per folder. */
export function checkSecretKey(value: string): string | undefined {
  if (value.length === 0) return "is required";
  if (value.length > limits.keyLength) return `must be at most ${limits.keyLength} characters`;
  return KEY.test(value)
    ? undefined
    : "must start with a letter or '_' and contain only letters, digits, '_', '.' and '-'";
}

export function checkSecretValue(value: string): string | undefined {
  const bytes = Buffer.byteLength(value, "utf8");
  return bytes > limits.valueBytes ? `must be at most ${limits.valueBytes} bytes (got ${bytes})` : undefined;
}

export function checkComment(value: string): string | undefined {
  if (value.includes("\u0000")) return "must not contain NUL characters (PostgreSQL text cannot hold them)";
  return value.length > limits.commentLength ? `must be at most ${limits.commentLength} characters` : undefined;
}

/**
 * Metadata tags: at most 32 entries; keys of 1-64 characters from [A-Za-z0-9_.-]; values of at
 * most 256 characters without control characters. Tags are stored in clear: never secret material.
 */
export function checkMetadata(entries: Readonly<Record<string, string>>): string | undefined {
  const keys = Object.keys(entries);
  if (keys.length > limits.metadataEntries)
    return `must have at most ${limits.metadataEntries} entries (got ${keys.length})`;
  for (const key of keys) {
    if (key.length === 0 || key.length > limits.metadataKeyLength || !METADATA_KEY.test(key)) {
      return `keys must be 1-${limits.metadataKeyLength} characters of letters, digits, '_', '.' and '-'${METADATA_KEY.test(key) ? ` ("${key.slice(0, 40)}" is too long)` : ""}`;
    }
    const value = entries[key]!;
    if (value.length > limits.metadataValueLength)
      return `value of "${key}" must be at most ${limits.metadataValueLength} characters`;
    if (CONTROL.test(value)) return `value of "${key}" must not contain control characters`;
  }
  return undefined;
}

/** A version number a secret can have (1 … 2^31-1). */
export function checkVersion(value: bigint): string | undefined {
  return value < 1n || value > BigInt(limits.version) ? "must be a version this secret can have (≥ 1)" : undefined;
}

/** Audit action prefixes: lowercase letters, '_' and '.', at most 64 characters (e.g. `secret.`). */
export function checkAuditActionPrefix(value: string): string | undefined {
  if (value.length > 64) return "must be at most 64 characters";
  return AUDIT_ACTION_PREFIX.test(value) ? undefined : "may contain only lowercase letters, '_' and '.' (e.g. secret.)";
}
