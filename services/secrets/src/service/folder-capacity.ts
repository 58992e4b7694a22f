import type { Database } from "@syncline/db";
import { limitExceeded } from "@syncline/errors";
import { countSecretsByFolder } from "../store/source-store.ts";

/** Where a write lands, as far as the cap is concerned. */
interface FolderWrite {
  readonly folderId: string;
  readonly environment: string;
  readonly path: string;
}

/** The most secrets one folder may hold (stated in the API docs: secrets_service.proto, README). */
export const MAX_SECRETS_PER_FOLDER = 10_000;

/**
 * Refuses, as LIMIT_EXCEEDED naming the first such folder, writes that would leave a folder holding
 * more than MAX_SECRETS_PER_FOLDER secrets (its secrets now, plus creates, less deletes). Runs in
 * the writing transaction under the project's lock, before anything is written, so a refused write
 * changes nothing.
 */
export async function checkFolderCapacity(
  tx: Database,
  creates: readonly FolderWrite[],
  deletes: readonly FolderWrite[],
): Promise<void> {
  if (creates.length === 0) return;
  const growth = new Map<string, { target: FolderWrite; added: number }>();
  for (const create of creates) {
    const entry =
      growth.get(create.folderId) ?? growth.set(create.folderId, { target: create, added: 0 }).get(create.folderId)!;
    entry.added += 1;
  }
  for (const deletion of deletes) {
    const entry = growth.get(deletion.folderId);
    if (entry) entry.added -= 1;
  }
  const growing = [...growth].filter(([, entry]) => entry.added > 0);
  if (growing.length === 0) return;
  const held = await countSecretsByFolder(
    tx,
    growing.map(([folderId]) => folderId),
  );
  for (const [folderId, { target, added }] of growing) {
    const total = (held.get(folderId) ?? 0) + added;
    if (total > MAX_SECRETS_PER_FOLDER) {
      throw limitExceeded(
        `folder ${target.environment}:${target.path} may hold at most ${MAX_SECRETS_PER_FOLDER} secrets; this write would leave ${total}`,
      );
    }
  }
}
