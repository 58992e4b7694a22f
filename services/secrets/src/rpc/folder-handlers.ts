import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { assertValid } from "@syncline/errors";
import { actorOf, paginate, readPageRequest, type ServiceHandlers } from "@syncline/rpc";
import { checkMove } from "../domain/folder-moves.ts";
import { folderDeletionViolations, folderPath } from "../domain/source-rules.ts";
import type { SourceService } from "../service/source-service.ts";
import { addressOf } from "./source-address.ts";
import { folderMessage } from "./to-proto.ts";

type FolderMethods = "createFolder" | "listFolders" | "moveFolder" | "deleteFolder";

/** Folders of SecretsService: the protos' field rules hold; what needs normalised paths is checked here. */
export function folderHandlers(source: SourceService): Pick<ServiceHandlers<typeof SecretsService>, FolderMethods> {
  return {
    async createFolder(request, context) {
      const address = addressOf(request);
      return {
        folder: folderMessage(await source.createFolder(actorOf(context.principal), address), address.environment),
      };
    },

    async listFolders(request) {
      const list = `folders:${request.projectId}:${request.environment}`;
      const { size, after } = readPageRequest(list, request, 100);
      const rows = await source.listFolders(request.projectId, request.environment, { after, limit: size + 1 });
      const { page, nextPageToken } = paginate(list, rows, size, (row) => row.path);
      return { folders: page.map((row) => folderMessage(row, request.environment)), nextPageToken };
    },

    async moveFolder(request, context) {
      const address = addressOf(request);
      const newPath = folderPath("new_path", request.newPath);
      const refused = checkMove(address.path, newPath);
      assertValid(refused ? [refused] : []);
      return {
        folder: folderMessage(
          await source.moveFolder(actorOf(context.principal), address, newPath),
          address.environment,
        ),
      };
    },

    async deleteFolder(request, context) {
      const address = addressOf(request);
      assertValid(folderDeletionViolations(address.path));
      return { revision: await source.deleteFolder(actorOf(context.principal), address, request.recursive) };
    },
  };
}
