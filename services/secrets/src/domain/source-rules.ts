import { invalidArgument, type FieldViolation } from "@syncline/errors";
import { normaliseFolderPath } from "@syncline/source-path";

export { checkEnvironmentSlug, normaliseFolderPath, folderLineage, pathLimits } from "@syncline/source-path";

/**
 * The rules of the source model that are not field rules. Field rules (lengths, patterns, UUIDs,
 * ranges) are `buf.validate` annotations in `proto/syncline/secrets/v1/*.proto`, applied at the RPC
 * edge before a handler runs; what stays here needs several fields at once or a normalised path.
 * Each rule returns the violations it finds (none when the input is acceptable).
 */

/** Limits of the source model; the API states the same numbers as proto rules. */
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

/** A folder path the API has validated, normalised (`//api/` → `/api`); INVALID_ARGUMENT otherwise. */
export function folderPath(field: string, raw: string): string {
  const result = normaliseFolderPath(raw);
  if ("problem" in result) throw invalidArgument([{ field, description: result.problem }]);
  return result.path;
}

/** An update must change something: value, comment or metadata. */
export function updateViolations(
  patch: { readonly value?: string; readonly comment?: string; readonly metadata?: unknown },
  field = "value",
): FieldViolation[] {
  return patch.value === undefined && patch.comment === undefined && patch.metadata === undefined
    ? [{ field, description: "set value, comment or metadata (nothing to update)" }]
    : [];
}

/** The root folder is the environment itself: it can be deleted only with the environment. */
export function folderDeletionViolations(path: string): FieldViolation[] {
  return path === "/"
    ? [{ field: "path", description: "the root folder cannot be deleted (delete the environment instead)" }]
    : [];
}

/** A folder cannot import itself. */
export function importViolations(
  folder: { readonly environment: string; readonly path: string },
  imported: { readonly environment: string; readonly path: string },
): FieldViolation[] {
  return folder.environment === imported.environment && folder.path === imported.path
    ? [{ field: "import_path", description: "a folder cannot import itself" }]
    : [];
}

/** What one write of a bulk request sets, with its operation. */
export interface BulkWriteFields {
  readonly operation: "create" | "update" | "delete" | "upsert";
  readonly value?: string;
  readonly comment?: string;
  readonly metadata?: unknown;
  readonly expectedVersion?: unknown;
}

/**
 * The operation decides which fields a write may set: CREATE and UPSERT need a value and take no
 * expected version, UPDATE must change something, DELETE carries no content.
 */
export function bulkWriteViolations(write: BulkWriteFields, field: (name: string) => string): FieldViolation[] {
  const violations: FieldViolation[] = [];
  if (write.operation === "create" || write.operation === "upsert") {
    if (write.value === undefined)
      violations.push({ field: field("value"), description: "is required to create a secret" });
    if (write.expectedVersion !== undefined)
      violations.push({ field: field("expected_version"), description: "applies to UPDATE and DELETE only" });
  }
  if (write.operation === "update") {
    violations.push(...updateViolations(write, field("value")));
  }
  if (write.operation === "delete") {
    for (const name of ["value", "comment", "metadata"] as const)
      if (write[name] !== undefined)
        violations.push({ field: field(name), description: "must not be set on a DELETE" });
  }
  return violations;
}
