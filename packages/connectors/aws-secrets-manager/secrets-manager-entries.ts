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

/**
 * Refuses, before any call, every key or value Secrets Manager cannot hold, naming each offending
 * key (never a value): `limit_exceeded` when only sizes are at fault, `invalid_config` otherwise.
 */
export function checkSecretEntries(writes: readonly (readonly [string, string])[]): void {
  const names: string[] = [];
  const sizes: string[] = [];
  for (const [key, value] of writes) {
    if (!secretsManagerLimits.keyPattern.test(key)) {
      names.push(`"${key.slice(0, 80)}"`);
      continue;
    }
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > secretsManagerLimits.maxValueBytes) sizes.push(`"${key}" (${bytes} bytes)`);
  }
  const problems = [
    ...(names.length > 0
      ? [
          `keys ${names.slice(0, 20).join(", ")} are not valid secret names (${secretsManagerLimits.keyRule}): change the sync's key schema`,
        ]
      : []),
    ...(sizes.length > 0
      ? [
          `values of ${sizes.slice(0, 20).join(", ")} exceed the ${secretsManagerLimits.maxValueBytes} bytes a secret holds`,
        ]
      : []),
  ];
  if (problems.length > 0) {
    throw new ConnectorError(
      names.length > 0 ? "invalid_config" : "limit_exceeded",
      `Secrets Manager cannot hold ${problems.join("; ")}`,
    );
  }
}
