import {
  SecretWriteOperation,
  type SecretsService,
  type SecretWrite,
} from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { invalidArgument } from "@syncline/errors";
import type { ServiceHandlers } from "@syncline/rpc";
import {
  checkComment,
  checkEnvironmentSlug,
  checkId,
  checkSecretKey,
  checkSecretValue,
  limits,
} from "../domain/source-rules.ts";
import type { BulkWrite } from "../service/bulk-write.ts";
import type { SourceService } from "../service/source-service.ts";
import { createChecks, type Checks } from "./request-checks.ts";
import { secretMessage } from "./to-proto.ts";

/** How many invalid fields an INVALID_ARGUMENT names before summing up the rest. */
const REPORTED_VIOLATIONS = 20;

const operations: Partial<Record<SecretWriteOperation, BulkWrite["operation"]>> = {
  [SecretWriteOperation.CREATE]: "create",
  [SecretWriteOperation.UPDATE]: "update",
  [SecretWriteOperation.DELETE]: "delete",
  [SecretWriteOperation.UPSERT]: "upsert",
};

/** BulkWriteSecrets: every write validated (naming `writes[i].field`), then applied all or nothing. */
export function bulkHandlers(source: SourceService): Pick<ServiceHandlers<typeof SecretsService>, "bulkWriteSecrets"> {
  return {
    async bulkWriteSecrets(request, context) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      const count = request.writes.length;
      checks.check(
        "writes",
        count === 0
          ? `is required (1 to ${limits.bulkWrites} writes)`
          : count > limits.bulkWrites
            ? `must hold at most ${limits.bulkWrites} writes (got ${count})`
            : undefined,
      );
      const writes: BulkWrite[] = [];
      if (count <= limits.bulkWrites) {
        const seen = new Map<string, number>();
        request.writes.forEach((write, index) => {
          const parsed = readWrite(write, index, checks);
          if (!parsed) return;
          const id = `${parsed.environment}\u0000${parsed.path}\u0000${parsed.key}`;
          const first = seen.get(id);
          if (first !== undefined)
            checks.check(
              `writes[${index}].key`,
              `writes[${first}] already writes "${parsed.key}" in ${parsed.environment}:${parsed.path} (a key may appear once per folder)`,
            );
          else seen.set(id, index);
          writes.push(parsed);
        });
      }
      const violations = checks.violations();
      if (violations.length > 0) {
        const shown = violations.slice(0, REPORTED_VIOLATIONS);
        if (violations.length > shown.length)
          shown.push({ field: "writes", description: `and ${violations.length - shown.length} more invalid fields` });
        throw invalidArgument(shown);
      }
      const result = await source.bulkWriteSecrets(context.principal, request.projectId, writes);
      return { revision: result.revision, secrets: result.secrets.map(secretMessage) };
    },
  };
}

/** Validates one write; returns it normalised (undefined when a field that locates it is invalid). */
function readWrite(write: SecretWrite, index: number, checks: Checks): BulkWrite | undefined {
  const field = (name: string) => `writes[${index}].${name}`;
  const before = checks.size;
  const operation = operations[write.operation];
  checks.check(field("operation"), operation ? undefined : "is required: CREATE, UPDATE, DELETE or UPSERT");
  checks.check(field("environment"), checkEnvironmentSlug(write.environment));
  const path = checks.path(field("path"), write.path);
  checks.check(field("key"), checkSecretKey(write.key));
  if (write.value !== undefined) checks.check(field("value"), checkSecretValue(write.value));
  if (write.comment !== undefined) checks.check(field("comment"), checkComment(write.comment));
  const metadata = write.metadata && checks.metadata(field("metadata"), write.metadata.entries);
  const expectedVersion = checks.version(field("expected_version"), write.expectedVersion);
  if (operation === "create" || operation === "upsert") {
    checks.check(field("value"), write.value === undefined ? "is required to create a secret" : undefined);
    checks.check(
      field("expected_version"),
      write.expectedVersion !== undefined ? "applies to UPDATE and DELETE only" : undefined,
    );
  }
  if (operation === "update") {
    checks.check(
      field("value"),
      write.value === undefined && write.comment === undefined && write.metadata === undefined
        ? "set value, comment or metadata (nothing to update)"
        : undefined,
    );
  }
  if (operation === "delete") {
    for (const name of ["value", "comment", "metadata"] as const)
      checks.check(field(name), write[name] !== undefined ? "must not be set on a DELETE" : undefined);
  }
  if (!operation || checks.size > before) return undefined;
  return {
    index,
    operation,
    environment: write.environment,
    path,
    key: write.key,
    ...(write.value !== undefined ? { value: write.value } : {}),
    ...(write.comment !== undefined ? { comment: write.comment } : {}),
    ...(metadata ? { metadata } : {}),
    ...(expectedVersion !== undefined ? { expectedVersion } : {}),
  };
}
