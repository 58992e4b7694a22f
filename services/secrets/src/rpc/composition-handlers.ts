import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import { importLimits } from "../domain/import-graph.ts";
import { checkEnvironmentSlug, checkId, checkSecretKey, checkSecretValue } from "../domain/source-rules.ts";
import type { PlacedImport, SecretImports } from "../service/secret-imports.ts";
import type { SecretReferences } from "../service/secret-references.ts";
import { createChecks, readAddress } from "./request-checks.ts";

/** The use cases behind these handlers (built in main.ts). */
export interface CompositionDeps {
  readonly imports: SecretImports;
  readonly references: SecretReferences;
}

type CompositionMethods = "validateSecretValue" | "createSecretImport" | "listSecretImports" | "deleteSecretImport";

/**
 * Imports and reference validation of SecretsService: validate every field (INVALID_ARGUMENT
 * naming each one at fault, before anything is read or written), then call the use cases.
 */
export function compositionHandlers(
  deps: CompositionDeps,
): Pick<ServiceHandlers<typeof SecretsService>, CompositionMethods> {
  return {
    async validateSecretValue(request) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.check("key", checkSecretKey(request.key));
      checks.check("value", checkSecretValue(request.value));
      checks.done();
      const result = await deps.references.validateValue({ ...address, key: request.key }, request.value);
      return {
        references: result.references.map((r) => ({
          environment: r.environment,
          path: r.path,
          key: r.key,
          found: r.found,
        })),
        problems: [...result.problems],
      };
    },

    async createSecretImport(request, context) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.check("import_environment", checkEnvironmentSlug(request.importEnvironment));
      const importPath = checks.path("import_path", request.importPath);
      checks.check(
        "position",
        request.position > importLimits.perFolder
          ? `must be 0 (append) or at most ${importLimits.perFolder}`
          : undefined,
      );
      const self =
        checks.fields().length === 0 &&
        request.importEnvironment === address.environment &&
        importPath === address.path;
      checks.check("import_path", self ? "a folder cannot import itself" : undefined);
      checks.done();
      const created = await deps.imports.createImport(context.principal, {
        address,
        importEnvironment: request.importEnvironment,
        importPath,
        position: request.position,
      });
      return { secretImport: secretImportMessage(created) };
    },

    async listSecretImports(request) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.done();
      return { secretImports: (await deps.imports.listImports(address)).map(secretImportMessage) };
    },

    async deleteSecretImport(request, context) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.check("secret_import_id", checkId(request.secretImportId));
      checks.done();
      await deps.imports.deleteImport(context.principal, request.projectId, request.secretImportId);
      return {};
    },
  };
}

/** A placed import as the API returns it. */
export const secretImportMessage = (row: PlacedImport) => ({
  id: row.id,
  projectId: row.projectId,
  environment: row.environment,
  path: row.path,
  importEnvironment: row.importEnvironment,
  importPath: row.importPath,
  position: row.position,
  createTime: timestampFromDate(row.createdAt),
});
