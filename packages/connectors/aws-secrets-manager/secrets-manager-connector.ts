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
import type { AwsSession } from "../aws/aws-session.ts";
import { BATCH_GET_MAX, type ListedSecret, type SecretsManagerClientApi } from "./secrets-manager-client.ts";
import { OWNER_SYNC_TAG, type SecretsManagerConfig } from "./secrets-manager-config.ts";
import { createJsonSecretConnector } from "./secrets-manager-json.ts";
import { checkSecretEntries, foreignOwner, ownedTags } from "./secrets-manager-entries.ts";

/** Secrets written between two questions to the run's control (one request each). */
export const SECRETS_MANAGER_WRITES_PER_BATCH = 20;

/** Builds the connector for the config's mapping. */
export function createSecretsManagerConnector(
  client: SecretsManagerClientApi,
  session: AwsSession,
  config: SecretsManagerConfig,
  owner: SyncOwner | undefined,
): DestinationConnector {
  return config.mapping === "json"
    ? createJsonSecretConnector(client, session, config, owner)
    : createPerKeyConnector(client, session, config, owner);
}

/**
 * One secret per destination key. Every change first lists the secrets (names, tags and planned
 * deletions, no values), then writes one request per key in batches of 20: a new name is created
 * with the sync's tags and KMS key, an existing one gets a new version, a name scheduled for
 * deletion is restored and rewritten. Secrets tagged for another sync are never listed, written
 * or deleted; with an owner, removal deletes only the sync's own secrets.
 */
function createPerKeyConnector(
  client: SecretsManagerClientApi,
  session: AwsSession,
  config: SecretsManagerConfig,
  owner: SyncOwner | undefined,
): DestinationConnector {
  const tags = ownedTags(config, owner);

  async function secretsByName(): Promise<Map<string, ListedSecret>> {
    return new Map((await client.listSecrets()).map((s) => [s.name, s]));
  }

  function refuseForeign(keys: Iterable<string>, secrets: ReadonlyMap<string, ListedSecret>): void {
    const foreign = [...keys].filter((key) => {
      const secret = secrets.get(key);
      return secret !== undefined && foreignOwner(secret.tags, owner) !== undefined;
    });
    if (foreign.length > 0) {
      throw new ConnectorError(
        "invalid_config",
        `Secrets Manager secrets ${foreign
          .slice(0, 20)
          .map((k) => `"${k}"`)
          .join(", ")} are owned by another sync (tag ${OWNER_SYNC_TAG}): change this sync's key schema`,
      );
    }
  }

  async function write(key: string, value: string, existing: ListedSecret | undefined): Promise<"created" | "updated"> {
    if (existing && !existing.scheduledForDeletion) {
      await client.putValue(key, value);
      if (owner && existing.tags.get(OWNER_SYNC_TAG) !== owner.syncId) await client.tag(key, tags);
      return "updated";
    }
    if (existing) {
      await client.restore(key);
      await client.putValue(key, value);
      await client.tag(key, tags);
      return "created";
    }
    await client.createSecret(key, value, { kmsKeyId: config.kmsKeyId, tags });
    return "created";
  }

  async function deleteKeys(
    keys: readonly string[],
    secrets: ReadonlyMap<string, ListedSecret>,
    control: ApplyControl,
    recorder: ReturnType<typeof createOutcomeRecorder>,
    onlyOwn: boolean,
  ): Promise<void> {
    const present = [...new Set(keys)].filter((key) => {
      const secret = secrets.get(key);
      if (!secret || secret.scheduledForDeletion || foreignOwner(secret.tags, owner)) return false;
      return !onlyOwn || !owner || secret.tags.get(OWNER_SYNC_TAG) === owner.syncId;
    });
    for (let i = 0; i < present.length; i += SECRETS_MANAGER_WRITES_PER_BATCH) {
      await control.beforeBatch();
      for (const key of present.slice(i, i + SECRETS_MANAGER_WRITES_PER_BATCH)) {
        await client.deleteSecret(key, config.deletion);
        recorder.deleted.push(key);
      }
    }
  }

  return {
    async validate() {
      await session.callerIdentity();
      await client.listSecrets("syncline-validate-");
    },

    async list() {
      const names = [...(await secretsByName()).values()]
        .filter((s) => !s.scheduledForDeletion && foreignOwner(s.tags, owner) === undefined)
        .map((s) => s.name);
      const values = new Map<string, string>();
      for (let i = 0; i < names.length; i += BATCH_GET_MAX) {
        for (const [name, value] of await client.getValues(names.slice(i, i + BATCH_GET_MAX))) values.set(name, value);
      }
      return values;
    },

    async apply(diff: DestinationDiff, control: ApplyControl = noApplyControl): Promise<ApplyOutcome> {
      const writes = [...diff.create, ...diff.update];
      checkSecretEntries(writes);
      const secrets = await secretsByName();
      refuseForeign([...writes.map(([key]) => key), ...diff.delete], secrets);
      const recorder = createOutcomeRecorder();
      return recorder.run(async () => {
        for (let i = 0; i < writes.length; i += SECRETS_MANAGER_WRITES_PER_BATCH) {
          await control.beforeBatch();
          for (const [key, value] of writes.slice(i, i + SECRETS_MANAGER_WRITES_PER_BATCH)) {
            const done = await write(key, value, secrets.get(key));
            (done === "created" ? recorder.created : recorder.updated).push(key);
          }
        }
        await deleteKeys(diff.delete, secrets, control, recorder, false);
      });
    },

    async remove(keys: readonly string[], control: ApplyControl = noApplyControl): Promise<ApplyOutcome> {
      const secrets = await secretsByName();
      const recorder = createOutcomeRecorder();
      return recorder.run(() => deleteKeys(keys, secrets, control, recorder, true));
    },
  };
}
