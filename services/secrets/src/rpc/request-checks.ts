import { assertValid, type FieldViolation } from "@syncline/rpc";
import {
  checkEnvironmentSlug,
  checkId,
  checkMetadata,
  checkVersion,
  normaliseFolderPath,
} from "../domain/source-rules.ts";
import type { SecretAddress } from "../service/source-service.ts";

/**
 * Collects field violations for one request and throws them together as INVALID_ARGUMENT, so a
 * caller learns every problem at once.
 */
export function createChecks() {
  const violations: FieldViolation[] = [];
  return {
    check(field: string, problem: string | undefined) {
      if (problem) violations.push({ field, description: problem });
    },
    path(field: string, raw: string): string {
      const result = normaliseFolderPath(raw);
      if ("problem" in result) {
        violations.push({ field, description: result.problem });
        return "/";
      }
      return result.path;
    },
    /** A metadata map, copied into a plain object (protobuf maps may carry a prototype-less object). */
    metadata(field: string, entries: Readonly<Record<string, string>>): Record<string, string> {
      const problem = checkMetadata(entries);
      if (problem) violations.push({ field, description: problem });
      return Object.fromEntries(Object.entries(entries));
    },
    /** An optional version number (`expected_version`, `version`) as a JS number. */
    version(field: string, value: bigint | undefined): number | undefined {
      if (value === undefined) return undefined;
      const problem = checkVersion(value);
      if (problem) violations.push({ field, description: problem });
      return problem ? undefined : Number(value);
    },
    /** The fields found at fault so far. */
    fields(): string[] {
      return violations.map((v) => v.field);
    },
    /** How many violations were found so far. */
    get size(): number {
      return violations.length;
    },
    /** The violations found so far. */
    violations(): readonly FieldViolation[] {
      return [...violations];
    },
    done() {
      assertValid(violations);
    },
  };
}

export type Checks = ReturnType<typeof createChecks>;

/** Validates the (project_id, environment, path) triple shared by folder and secret requests. */
export function readAddress(
  request: { projectId: string; environment: string; path: string },
  checks: Checks,
): SecretAddress {
  checks.check("project_id", checkId(request.projectId));
  checks.check("environment", checkEnvironmentSlug(request.environment));
  const path = checks.path("path", request.path);
  return { projectId: request.projectId, environment: request.environment, path };
}
