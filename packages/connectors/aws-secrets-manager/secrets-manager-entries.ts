import { ConnectorError, type SyncOwner } from "../contract/index.ts";
import {
  OWNER_PROJECT_TAG,
  OWNER_SYNC_TAG,
  secretsManagerLimits,
  type SecretsManagerConfig,
} from "./secrets-manager-config.ts";

/** The tags a sync puts on what it creates: the user's, then Syncline's ownership tags. */
export function ownedTags(config: SecretsManagerConfig, owner: SyncOwner | undefined): Map<string, string> {
  const tags = new Map(config.tags);
  if (owner) {
    tags.set(OWNER_SYNC_TAG, owner.syncId);
    tags.set(OWNER_PROJECT_TAG, owner.projectId);
  }
  return tags;
}

/** The sync another sync's ownership tag names, or undefined when the secret is this sync's or nobody's. */
export function foreignOwner(tags: ReadonlyMap<string, string>, owner: SyncOwner | undefined): string | undefined {
  const syncId = tags.get(OWNER_SYNC_TAG);
  return syncId !== undefined && syncId !== owner?.syncId ? syncId : undefined;
}

/** Refuses a key or value Secrets Manager cannot hold, before any call; names the key, never the value. */
export function checkSecretEntry(key: string, value: string): void {
  if (!secretsManagerLimits.keyPattern.test(key)) {
    throw new ConnectorError(
      "invalid_config",
      `destination key "${key.slice(0, 80)}" is not a valid secret name (${secretsManagerLimits.keyRule}): change the sync's key schema`,
    );
  }
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > secretsManagerLimits.maxValueBytes) {
    throw new ConnectorError(
      "limit_exceeded",
      `the value of "${key}" is ${bytes} bytes; a Secrets Manager secret holds at most ${secretsManagerLimits.maxValueBytes} bytes`,
    );
  }
}
