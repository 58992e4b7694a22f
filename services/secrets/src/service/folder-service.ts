import { traced } from "@syncline/db";
import { alreadyExists, failedPrecondition, notFound } from "@syncline/errors";
import { checkMovedPaths, movedPath, parentPath } from "../domain/folder-moves.ts";
import { folderLineage } from "../domain/source-rules.ts";
import * as store from "../store/source-store.ts";
import type { KeysetPage } from "../store/source-store.ts";
import { auditTarget, recordAudit, type Actor } from "./audit-log.ts";
import { KeyChangeKind, recordChange, recordChanges, SourceChangeKind } from "./change-recorder.ts";
import {
  createWriteRunner,
  existingEnvironment,
  lockedEnvironment,
  type SecretAddress,
  type WriteDeps,
} from "./write-transaction.ts";

/**
 * Folders: create (with missing parents), list, move (the subtree and its secrets go along) and
 * delete (a non-empty folder only when asked to recurse). Moves and deletions publish
 * FOLDER_DELETED at the old path; a move also publishes SECRETS_CHANGED at every new path holding
 * secrets, so syncs of the old path fail clearly and syncs of the new path fill in.
 */
export function createFolderService(deps: WriteDeps) {
  const { db } = deps;
  const write = createWriteRunner(deps);

  const subtreeOrNotFound = async (tx: typeof db, environmentId: string, address: SecretAddress) => {
    const subtree = await store.listSubtree(tx, environmentId, address.path);
    if (subtree.length === 0) throw notFound(`folder ${address.path} in environment "${address.environment}"`);
    return subtree;
  };

  return {
    async createFolder(actor: Actor, address: SecretAddress) {
      return write("folders.insert", async (tx) => {
        const { environment } = await lockedEnvironment(tx, address.projectId, address.environment);
        const { folder, created } = await store.ensureFolders(tx, environment, folderLineage(address.path));
        if (!created) throw alreadyExists(`folder ${address.path}`);
        await recordAudit(tx, {
          projectId: address.projectId,
          actor,
          action: "folder.create",
          target: auditTarget.folder(address.environment, address.path),
        });
        return folder;
      });
    },

    /** The environment's folders in path order after the path `page.after`, at most `page.limit`. */
    async listFolders(projectId: string, slug: string, page: KeysetPage) {
      return traced("folders.list", async () => {
        const environment = await existingEnvironment(db, projectId, slug);
        return store.listFolders(db, environment.id, page);
      });
    },

    /** Moves the folder at `address` (not the root) to `newPath` (not inside it; checked by the caller). */
    async moveFolder(actor: Actor, address: SecretAddress, newPath: string) {
      return write("folders.move", async (tx) => {
        const { revision, environment } = await lockedEnvironment(tx, address.projectId, address.environment);
        const subtree = await subtreeOrNotFound(tx, environment.id, address);
        if (await store.findFolder(tx, environment.id, newPath))
          throw alreadyExists(`folder ${newPath} in environment "${address.environment}"`);
        const tooDeep = checkMovedPaths(
          subtree.map((f) => f.path),
          address.path,
          newPath,
        );
        if (tooDeep)
          throw failedPrecondition(`cannot move ${address.path} to ${newPath}`, [
            { field: "new_path", description: tooDeep },
          ]);

        // The old path's event is recorded while the subtree is still there (its importers and
        // referencers are found through it), the new paths' once they exist.
        await recordChange(tx, {
          projectId: address.projectId,
          environment: address.environment,
          path: address.path,
          revision,
          changes: [],
          kind: SourceChangeKind.FOLDER_DELETED,
        });
        await store.ensureFolders(tx, environment, folderLineage(parentPath(newPath)));
        await store.moveSubtree(tx, environment.id, address.path, newPath);
        const keys = await store.secretKeysByFolder(
          tx,
          subtree.map((f) => f.id),
        );
        const arrived = subtree.flatMap((folder) => {
          const folderKeys = keys.get(folder.id);
          const path = movedPath(folder.path, address.path, newPath);
          return folderKeys
            ? [
                {
                  environment: address.environment,
                  path,
                  changes: folderKeys.map((key) => ({ key, kind: KeyChangeKind.CREATED })),
                },
              ]
            : [];
        });
        if (arrived.length > 0) await recordChanges(tx, { projectId: address.projectId, revision, folders: arrived });
        await recordAudit(tx, {
          projectId: address.projectId,
          actor,
          action: "folder.move",
          target: auditTarget.folder(address.environment, address.path),
          details: {
            to: newPath,
            folders: String(subtree.length),
            secrets: String([...keys.values()].reduce((n, k) => n + k.length, 0)),
            revision: String(revision),
          },
        });
        return { ...subtree.find((f) => f.path === address.path)!, path: newPath };
      });
    },

    /** Deletes the folder at `address` (not the root); with subfolders or secrets only when `recursive`. */
    async deleteFolder(actor: Actor, address: SecretAddress, recursive: boolean): Promise<bigint> {
      return write("folders.delete", async (tx) => {
        const { revision, environment } = await lockedEnvironment(tx, address.projectId, address.environment);
        const subtree = await subtreeOrNotFound(tx, environment.id, address);
        const keys = await store.secretKeysByFolder(
          tx,
          subtree.map((f) => f.id),
        );
        const secretCount = [...keys.values()].reduce((n, k) => n + k.length, 0);
        if (!recursive && (subtree.length > 1 || secretCount > 0)) {
          throw failedPrecondition(`folder ${address.path} is not empty`, [
            {
              field: "recursive",
              description: `folder ${address.path} holds ${subtree.length - 1} subfolder(s) and ${secretCount} secret(s); set recursive to delete them with it`,
            },
          ]);
        }
        await recordChange(tx, {
          projectId: address.projectId,
          environment: address.environment,
          path: address.path,
          revision,
          changes: [],
          kind: SourceChangeKind.FOLDER_DELETED,
        });
        await recordAudit(tx, {
          projectId: address.projectId,
          actor,
          action: "folder.delete",
          target: auditTarget.folder(address.environment, address.path),
          details: {
            recursive: String(recursive),
            folders: String(subtree.length),
            secrets: String(secretCount),
            revision: String(revision),
          },
        });
        await store.deleteFolders(
          tx,
          subtree.map((f) => f.id),
        );
        return revision;
      });
    },
  };
}
