import { assertValid, type FieldViolation } from "@syncline/rpc";
import { checkEnvironmentSlug, checkId, normaliseFolderPath } from "../domain/source-rules.ts";
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
    done() {
      assertValid(violations);
    },
  };
}

/** Validates the (project_id, environment, path) triple shared by secret requests. */
export function readAddress(request: { projectId: string; environment: string; path: string }, checks: ReturnType<typeof createChecks>): SecretAddress {
  checks.check("project_id", checkId(request.projectId));
  checks.check("environment", checkEnvironmentSlug(request.environment));
  const path = checks.path("path", request.path);
  return { projectId: request.projectId, environment: request.environment, path };
}
