import { randomUUID } from "node:crypto";
import { traced, type Database } from "@syncline/db";
import { alreadyExists, DomainError, failedPrecondition, invalidArgument } from "@syncline/errors";
import { createImportGraph, importLimits, importProblem } from "../domain/import-graph.ts";
import {
  findImport,
  insertImportAt,
  deleteImport,
  loadPlacedImports,
  placeFolders,
  countImports,
  type PlacedImport,
} from "../store/composition-store.ts";
import * as store from "../store/source-store.ts";
/** An import with the paths of both its folders, as the use cases return it. */
export type { PlacedImport } from "../store/composition-store.ts";
import { auditTarget, recordAudit, type Actor } from "./audit-log.ts";
import { recordImportsChange } from "./change-recorder.ts";
import { createWriteRunner, lockProject, type SecretAddress, type WriteDeps } from "./write-transaction.ts";

/** A new import: the folder at `address` imports (`importEnvironment`, `importPath`) at `position` (0 appends). */
export interface NewImport {
  readonly address: SecretAddress;
  readonly importEnvironment: string;
  readonly importPath: string;
  readonly position: number;
}

/**
 * Secret imports (README "Imports"): a folder includes the secrets of other folders of the same
 * project, below its own keys and in position order. Each change locks the project, bumps its
 * revision, is audited and records a change event for the importing folder and its importers.
 */
export function createSecretImports(deps: WriteDeps) {
  const write = createWriteRunner(deps);

  return {
    async createImport(actor: Actor, request: NewImport): Promise<PlacedImport> {
      const { address } = request;
      return write("secret_imports.insert", async (tx) => {
        const revision = await lockedProject(tx, address.projectId);
        const folder = await folderOrNotFound(tx, address, { environment: "environment", path: "path" });
        const imported = await folderOrNotFound(
          tx,
          { projectId: address.projectId, environment: request.importEnvironment, path: request.importPath },
          { environment: "import_environment", path: "import_path" },
        );

        const imports = await loadPlacedImports(tx, address.projectId);
        if (imports.some((i) => i.folderId === folder.id && i.importFolderId === imported.id)) {
          throw alreadyExists(
            `import of ${request.importEnvironment}:${request.importPath} into ${address.environment}:${address.path}`,
          );
        }
        const count = await countImports(tx, folder.id);
        if (count >= importLimits.perFolder) {
          throw failedPrecondition(
            `${address.environment}:${address.path} already has ${count} imports (at most ${importLimits.perFolder})`,
          );
        }
        if (request.position > count + 1) {
          throw invalidArgument([
            {
              field: "position",
              description: `must be 0 (append) or between 1 and ${count + 1}: the folder has ${count} import(s)`,
            },
          ]);
        }
        const problem = importProblem(createImportGraph(imports), folder.id, imported.id);
        if (problem) {
          const names = await placeFolders(tx, "cycle" in problem ? problem.cycle : problem.chain);
          const chain = ("cycle" in problem ? problem.cycle : problem.chain)
            .map((id) => `${names.get(id)!.environment}:${names.get(id)!.path}`)
            .join(" → ");
          const description =
            "cycle" in problem
              ? `importing would create a cycle: ${chain}`
              : `importing would create a chain of ${problem.chain.length - 1} imports (at most ${importLimits.depth}): ${chain}`;
          throw failedPrecondition(description, [{ field: "import_path", description }]);
        }

        const position = request.position === 0 ? count + 1 : request.position;
        const row = await insertImportAt(tx, {
          id: randomUUID(),
          projectId: address.projectId,
          folderId: folder.id,
          importFolderId: imported.id,
          position,
        });
        const place = { folderId: folder.id, environment: address.environment, path: address.path };
        await recordImportsChange(tx, { projectId: address.projectId, revision, place });
        await recordAudit(tx, {
          projectId: address.projectId,
          actor,
          action: "secret_import.create",
          target: auditTarget.folder(address.environment, address.path),
          details: {
            import: `${request.importEnvironment}:${request.importPath}`,
            position: String(position),
            revision: String(revision),
          },
        });
        return {
          ...row,
          environment: address.environment,
          path: address.path,
          importEnvironment: request.importEnvironment,
          importPath: request.importPath,
        };
      });
    },

    /** The folder's imports in position order after `page.afterPosition`, at most `page.limit`. */
    async listImports(
      address: SecretAddress,
      page: { readonly afterPosition: number; readonly limit: number },
    ): Promise<PlacedImport[]> {
      return traced("secret_imports.list", async () => {
        const folder = await folderOrNotFound(deps.db, address, { environment: "environment", path: "path" });
        return loadPlacedImports(deps.db, address.projectId, folder.id, page);
      });
    },

    async deleteImport(actor: Actor, projectId: string, importId: string): Promise<void> {
      await write("secret_imports.delete", async (tx) => {
        const revision = await lockedProject(tx, projectId);
        const row = await findImport(tx, projectId, importId);
        if (!row) throw notFound("secret_import_id", `secret import ${importId} not found in project ${projectId}`);
        const placed = (await loadPlacedImports(tx, projectId, row.folderId)).find((i) => i.id === row.id)!;
        await deleteImport(tx, row);
        const place = { folderId: row.folderId, environment: placed.environment, path: placed.path };
        await recordImportsChange(tx, { projectId, revision, place });
        await recordAudit(tx, {
          projectId,
          actor,
          action: "secret_import.delete",
          target: auditTarget.folder(placed.environment, placed.path),
          details: {
            import: `${placed.importEnvironment}:${placed.importPath}`,
            position: String(row.position),
            revision: String(revision),
          },
        });
      });
    },
  };
}

export type SecretImports = ReturnType<typeof createSecretImports>;

/** not_found naming the request field at fault. */
function notFound(field: string, description: string): DomainError {
  return new DomainError("not_found", `${field}: ${description}`, { violations: [{ field, description }] });
}

/** Locks the project (bumping its revision), or NOT_FOUND naming `project_id`. */
async function lockedProject(tx: Database, projectId: string): Promise<bigint> {
  if (!(await store.findProject(tx, projectId))) throw notFound("project_id", `project ${projectId} not found`);
  return lockProject(tx, projectId);
}

async function folderOrNotFound(tx: Database, address: SecretAddress, fields: { environment: string; path: string }) {
  const environment = await store.findEnvironment(tx, address.projectId, address.environment);
  if (!environment) {
    if (!(await store.findProject(tx, address.projectId)))
      throw notFound("project_id", `project ${address.projectId} not found`);
    throw notFound(
      fields.environment,
      `environment "${address.environment}" not found in project ${address.projectId}`,
    );
  }
  const folder = await store.findFolder(tx, environment.id, address.path);
  if (!folder) throw notFound(fields.path, `folder ${address.path} not found in environment "${address.environment}"`);
  return folder;
}
