import {
  ConnectorError,
  createOutcomeRecorder,
  noApplyControl,
  type ApplyControl,
  type ApplyOutcome,
  type DestinationConnector,
  type DestinationDiff,
  type SyncOwner,
} from "../contract/index.ts";
import { azureKeyVaultLimits, toSecretName, type AzureKeyVaultConfig } from "./azure-key-vault-config.ts";
import type { KeyVaultClient, KeyVaultSecretInfo } from "./azure-key-vault-client.ts";

/** Tags Syncline puts on every secret it writes: the destination key, and the sync that owns it. */
export const SYNCLINE_TAGS = {
  key: "syncline-key",
  syncId: "syncline-sync-id",
  projectId: "syncline-project-id",
} as const;

/**
 * Requests between two checks of the run's control (its fence): Key Vault takes one request per
 * secret, so a run that lost its lease stops within a few seconds.
 */
export const KEY_VAULT_WRITES_PER_BATCH = 20;

/** Tags a Key Vault secret may carry. */
export const KEY_VAULT_MAX_TAGS = 15;

/**
 * One Azure Key Vault as a destination: each key is one secret named by `toSecretName` (`_` →
 * `-`), tagged with its key and, when the connector writes for a sync, the owning sync. `list`
 * maps names back (the `syncline-key` tag, else `-` → `_`). Every apply first checks every key
 * and value and lists the vault (names and tags only), refusing keys that become one secret and
 * secrets another sync owns, before writing anything; then writes secret by secret, recovering a
 * soft-deleted name it re-creates. With an owner, deletes touch only secrets tagged with that
 * sync; purge follows `purge_on_delete`.
 */
export function createAzureKeyVaultConnector(
  client: KeyVaultClient,
  config: AzureKeyVaultConfig,
  owner?: SyncOwner,
): DestinationConnector {
  async function vaultIndex(): Promise<Map<string, KeyVaultSecretInfo>> {
    return new Map((await client.listSecrets()).map((info) => [info.name.toLowerCase(), info]));
  }

  const ownedBySync = (info: KeyVaultSecretInfo) => !owner || info.tags[SYNCLINE_TAGS.syncId] === owner.syncId;

  async function deleteKeys(
    keys: readonly string[],
    index: ReadonlyMap<string, KeyVaultSecretInfo>,
    batches: BatchCounter,
    deleted: string[],
  ): Promise<void> {
    let first = true;
    for (const key of keys) {
      const info = index.get(toSecretName(key).toLowerCase());
      if (!info || info.managed || !ownedBySync(info)) continue;
      await batches.beforeRequest(first);
      first = false;
      if (await client.deleteSecret(info.name, config.purgeOnDelete)) deleted.push(key);
    }
  }

  return {
    /** Listing the vault proves the token, the vault and the `list` permission. */
    async validate() {
      await client.listSecrets();
    },

    async list() {
      const values = new Map<string, string>();
      for (const info of await client.listSecrets()) {
        if (info.managed || !info.enabled) continue;
        const value = await client.getSecretValue(info.name);
        if (value !== undefined) values.set(keyOf(info), value);
      }
      return values;
    },

    async apply(diff: DestinationDiff, control: ApplyControl = noApplyControl): Promise<ApplyOutcome> {
      const writes = new Map([...diff.create, ...diff.update]);
      preflight(writes);
      const written = new Set([...writes.keys()].map((key) => toSecretName(key).toLowerCase()));
      const deletions = [...new Set(diff.delete)].filter((key) => !written.has(toSecretName(key).toLowerCase()));
      for (const key of deletions) checkKey(key);
      const index = await vaultIndex();
      refuseForeign(writes, index);
      const recorder = createOutcomeRecorder();
      const batches = batchCounter(control);
      return recorder.run(async () => {
        for (const [key, value] of writes) {
          await batches.beforeRequest(false);
          const name = toSecretName(key);
          const existing = index.get(name.toLowerCase());
          const { recovered } = await client.setSecret(existing?.name ?? name, value, tagsFor(key, existing?.tags));
          (existing && !recovered ? recorder.updated : recorder.created).push(key);
        }
        await deleteKeys(deletions, index, batches, recorder.deleted);
      });
    },

    async remove(keys: readonly string[], control: ApplyControl = noApplyControl): Promise<ApplyOutcome> {
      const unique = [...new Set(keys)];
      for (const key of unique) checkKey(key);
      const index = await vaultIndex();
      const recorder = createOutcomeRecorder();
      return recorder.run(() => deleteKeys(unique, index, batchCounter(control), recorder.deleted));
    },
  };

  /** The secret's own tags kept (a new version replaces them), with Syncline's set over them. */
  function tagsFor(key: string, existing: Readonly<Record<string, string>> = {}): Record<string, string> {
    return {
      ...existing,
      [SYNCLINE_TAGS.key]: key,
      ...(owner ? { [SYNCLINE_TAGS.syncId]: owner.syncId, [SYNCLINE_TAGS.projectId]: owner.projectId } : {}),
    };
  }

  /** Refuses, before any write, every key whose secret another sync owns, Key Vault manages, or has no room for Syncline's tags. */
  function refuseForeign(writes: ReadonlyMap<string, string>, index: ReadonlyMap<string, KeyVaultSecretInfo>): void {
    const refused: string[] = [];
    const crowded: string[] = [];
    for (const key of writes.keys()) {
      const info = index.get(toSecretName(key).toLowerCase());
      if (!info) continue;
      const otherSync = owner && info.tags[SYNCLINE_TAGS.syncId] !== undefined && !ownedBySync(info);
      if (otherSync || info.managed) refused.push(`${key} (secret ${info.name})`);
      else if (Object.keys(tagsFor(key, info.tags)).length > KEY_VAULT_MAX_TAGS) crowded.push(key);
    }
    if (crowded.length > 0) {
      throw new ConnectorError(
        "limit_exceeded",
        `these keys' secrets carry too many tags to add Syncline's (Key Vault holds at most ${KEY_VAULT_MAX_TAGS}), so nothing was written: ${crowded.join(", ")}`,
      );
    }
    if (refused.length > 0) {
      throw new ConnectorError(
        "invalid_config",
        `these keys are secrets another Syncline sync owns or Key Vault manages (a certificate's secret), so nothing was written: ${refused.join(", ")}`,
      );
    }
  }
}

/** The destination key of a listed secret: its `syncline-key` tag when it names this secret, else `-` read as `_`. */
export function keyOf(info: Pick<KeyVaultSecretInfo, "name" | "tags">): string {
  const tagged = info.tags[SYNCLINE_TAGS.key];
  if (
    tagged !== undefined &&
    azureKeyVaultLimits.keyPattern.test(tagged) &&
    toSecretName(tagged).toLowerCase() === info.name.toLowerCase()
  ) {
    return tagged;
  }
  return info.name.replaceAll("-", "_");
}

/**
 * Checks every key and value before any call and fails naming every offending key (never a
 * value): names Key Vault cannot hold, values over 25 KB, and keys that become one secret
 * (Key Vault ignores case, and `_` is written as `-`).
 */
function preflight(writes: ReadonlyMap<string, string>): void {
  const badNames: string[] = [];
  const oversized: string[] = [];
  const byName = new Map<string, string[]>();
  for (const [key, value] of writes) {
    if (!azureKeyVaultLimits.keyPattern.test(key)) badNames.push(`"${key.slice(0, 130)}"`);
    if (Buffer.byteLength(value, "utf8") > azureKeyVaultLimits.maxValueBytes) oversized.push(key);
    const name = toSecretName(key).toLowerCase();
    byName.set(name, [...(byName.get(name) ?? []), key]);
  }
  if (badNames.length > 0) {
    throw new ConnectorError(
      "invalid_config",
      `these destination keys are not valid Key Vault secret names (${azureKeyVaultLimits.keyRule}): ${badNames.join(", ")}; change the secrets' keys or the sync's key schema`,
    );
  }
  const collisions = [...byName.values()].filter((keys) => keys.length > 1);
  if (collisions.length > 0) {
    throw new ConnectorError(
      "invalid_config",
      `these keys would be one Key Vault secret (names ignore case and \`_\` is written as \`-\`): ${collisions.map((keys) => keys.join(" and ")).join("; ")}; rename all but one of each`,
    );
  }
  if (oversized.length > 0) {
    throw new ConnectorError(
      "limit_exceeded",
      `these values are larger than Key Vault's ${azureKeyVaultLimits.maxValueBytes} bytes (25 KB): ${oversized.join(", ")}`,
    );
  }
}

function checkKey(key: string): void {
  if (!azureKeyVaultLimits.keyPattern.test(key)) {
    throw new ConnectorError(
      "invalid_config",
      `destination key "${key.slice(0, 130)}" is not a valid Key Vault secret name (${azureKeyVaultLimits.keyRule})`,
    );
  }
}

interface BatchCounter {
  /** Asks the control before the first request, every `KEY_VAULT_WRITES_PER_BATCH` requests and as a new phase starts. */
  beforeRequest(newPhase: boolean): Promise<void>;
}

function batchCounter(control: ApplyControl): BatchCounter {
  let sinceCheck: number | undefined;
  return {
    async beforeRequest(newPhase) {
      if (sinceCheck === undefined || newPhase || sinceCheck >= KEY_VAULT_WRITES_PER_BATCH) {
        await control.beforeBatch();
        sinceCheck = 0;
      }
      sinceCheck++;
    },
  };
}
