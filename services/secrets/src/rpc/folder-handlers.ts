import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import { checkMove } from "../domain/folder-moves.ts";
import { checkEnvironmentSlug, checkId } from "../domain/source-rules.ts";
import type { SourceService } from "../service/source-service.ts";
import { createChecks, readAddress } from "./request-checks.ts";
import { folderMessage } from "./to-proto.ts";

type FolderMethods = "createFolder" | "listFolders" | "moveFolder" | "deleteFolder";

/** Folders of SecretsService: validate, then call the source service. */
export function folderHandlers(source: SourceService): Pick<ServiceHandlers<typeof SecretsService>, FolderMethods> {
  return {
    async createFolder(request, context) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.done();
      return { folder: folderMessage(await source.createFolder(context.principal, address), address.environment) };
    },

    async listFolders(request) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.check("environment", checkEnvironmentSlug(request.environment));
      checks.done();
      return {
        folders: (await source.listFolders(request.projectId, request.environment)).map((row) =>
          folderMessage(row, request.environment),
        ),
      };
    },

    async moveFolder(request, context) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      const newPath = checks.path("new_path", request.newPath);
      if (!checks.fields().some((field) => field === "path" || field === "new_path")) {
        const refused = checkMove(address.path, newPath);
        if (refused) checks.check(refused.field, refused.description);
      }
      checks.done();
      return {
        folder: folderMessage(await source.moveFolder(context.principal, address, newPath), address.environment),
      };
    },

    async deleteFolder(request, context) {
      const checks = createChecks();
      const address = readAddress(request, checks);
      checks.check(
        "path",
        !checks.fields().includes("path") && address.path === "/"
          ? "the root folder cannot be deleted (delete the environment instead)"
          : undefined,
      );
      checks.done();
      return { revision: await source.deleteFolder(context.principal, address, request.recursive) };
    },
  };
}
