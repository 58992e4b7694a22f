import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { actorOf, paginate, readPageRequest, type ServiceHandlers } from "@syncline/rpc";
import { assertValid } from "@syncline/errors";
import { folderPath, importViolations } from "../domain/source-rules.ts";
import type { PlacedImport, SecretImports } from "../service/secret-imports.ts";
import type { SecretReferences } from "../service/secret-references.ts";
import { addressOf } from "./source-address.ts";

/** The use cases behind these handlers (built in main.ts). */
export interface CompositionDeps {
  readonly imports: SecretImports;
  readonly references: SecretReferences;
}

type CompositionMethods = "validateSecretValue" | "createSecretImport" | "listSecretImports" | "deleteSecretImport";

/**
 * Imports and reference validation of SecretsService: the protos' field rules hold when these run
 * (INVALID_ARGUMENT naming each field at fault, before anything is read or written); a folder
 * importing itself is refused here, then the use cases run.
 */
export function compositionHandlers(
  deps: CompositionDeps,
): Pick<ServiceHandlers<typeof SecretsService>, CompositionMethods> {
  return {
    async validateSecretValue(request) {
      const address = addressOf(request);
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
      const address = addressOf(request);
      const importPath = folderPath("import_path", request.importPath);
      assertValid(importViolations(address, { environment: request.importEnvironment, path: importPath }));
      const created = await deps.imports.createImport(actorOf(context.principal), {
        address,
        importEnvironment: request.importEnvironment,
        importPath,
        position: request.position,
      });
      return { secretImport: secretImportMessage(created) };
    },

    async listSecretImports(request) {
      const address = addressOf(request);
      const list = `imports:${request.projectId}:${request.environment}:${address.path}`;
      const { size, after } = readPageRequest(list, request, 100, (position) => /^[1-9][0-9]{0,1}$/.test(position));
      const rows = await deps.imports.listImports(address, { afterPosition: Number(after ?? 0), limit: size + 1 });
      const { page, nextPageToken } = paginate(list, rows, size, (row) => row.position);
      return { secretImports: page.map(secretImportMessage), nextPageToken };
    },

    async deleteSecretImport(request, context) {
      await deps.imports.deleteImport(actorOf(context.principal), request.projectId, request.secretImportId);
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
