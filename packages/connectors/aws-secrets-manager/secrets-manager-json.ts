import {
  ConnectorError,
  noApplyControl,
  type ApplyControl,
  type ApplyOutcome,
  type DestinationConnector,
  type DestinationDiff,
  type SyncOwner,
} from "../contract/index.ts";
import type { AwsSession } from "../aws/aws-session.ts";
import type { ListedSecret, SecretsManagerClientApi } from "./secrets-manager-client.ts";
import { MAX_SECRET_VALUE_BYTES, OWNER_SYNC_TAG, type SecretsManagerConfig } from "./secrets-manager-config.ts";
import { checkSecretEntries, foreignOwner, ownedTags } from "./secrets-manager-entries.ts";

const nothing: ApplyOutcome = { created: [], updated: [], deleted: [] };

/**
 * Every key as a field of one JSON secret (`secret_name`). A change reads the secret, merges and
 * writes one new version (one batch); a change that alters nothing writes nothing. A secret
 * scheduled for deletion is restored before the write; one tagged for another sync is refused.
 * Secrets Manager has no conditional write, so a writer outside Syncline changing the secret
 * between the read and the write loses its change.
 */
export function createJsonSecretConnector(
  client: SecretsManagerClientApi,
  session: AwsSession,
  config: SecretsManagerConfig,
  owner: SyncOwner | undefined,
): DestinationConnector {
  const name = config.secretName;

  async function read(): Promise<{ secret: ListedSecret | undefined; fields: Map<string, unknown> }> {
    const secret = (await client.listSecrets(name)).find((s) => s.name === name);
    if (secret && foreignOwner(secret.tags, owner)) {
      throw new ConnectorError(
        "invalid_config",
        `Secrets Manager secret "${name}" is owned by another sync (tag ${OWNER_SYNC_TAG}): choose another secret_name`,
      );
    }
    if (!secret || secret.scheduledForDeletion) return { secret, fields: new Map() };
    const raw = (await client.getValues([name])).get(name);
    if (raw === undefined || raw === "") return { secret, fields: new Map() };
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch {
      parsed = undefined;
    }
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
      throw new ConnectorError(
        "invalid_config",
        `Secrets Manager secret "${name}" does not hold a JSON object: choose another secret_name or the ONE_SECRET_PER_KEY mapping`,
      );
    }
    return { secret, fields: new Map(Object.entries(parsed)) };
  }

  async function write(secret: ListedSecret | undefined, fields: ReadonlyMap<string, unknown>): Promise<void> {
    const document = JSON.stringify(Object.fromEntries(fields));
    const bytes = Buffer.byteLength(document, "utf8");
    if (bytes > MAX_SECRET_VALUE_BYTES) {
      throw new ConnectorError(
        "limit_exceeded",
        `Secrets Manager secret "${name}" would be ${bytes} bytes; a secret holds at most ${MAX_SECRET_VALUE_BYTES}: split the sync or use ONE_SECRET_PER_KEY`,
      );
    }
    const tags = ownedTags(config, owner);
    if (!secret) return client.createSecret(name, document, { kmsKeyId: config.kmsKeyId, tags });
    if (secret.scheduledForDeletion) await client.restore(name);
    await client.putValue(name, document);
    if (owner && secret.tags.get(OWNER_SYNC_TAG) !== owner.syncId) await client.tag(name, tags);
  }

  async function change(
    control: ApplyControl,
    edit: (current: ReadonlyMap<string, unknown>, next: Map<string, unknown>) => ApplyOutcome,
  ): Promise<ApplyOutcome> {
    const { secret, fields } = await read();
    const next = new Map(fields);
    const outcome = edit(fields, next);
    if (outcome.created.length + outcome.updated.length + outcome.deleted.length === 0) return nothing;
    await control.beforeBatch();
    const ownsSecret = owner !== undefined && secret?.tags.get(OWNER_SYNC_TAG) === owner.syncId;
    if (next.size === 0 && secret && !secret.scheduledForDeletion && ownsSecret) {
      await client.deleteSecret(name, config.deletion);
    } else {
      await write(secret, next);
    }
    return outcome;
  }

  return {
    async validate() {
      await session.callerIdentity();
      await read();
    },

    async list() {
      const values = new Map<string, string>();
      for (const [key, value] of (await read()).fields)
        values.set(key, typeof value === "string" ? value : JSON.stringify(value));
      return values;
    },

    async apply(diff: DestinationDiff, control: ApplyControl = noApplyControl) {
      checkSecretEntries([...diff.create, ...diff.update]);
      return change(control, (current, next) => {
        const created: string[] = [];
        const updated: string[] = [];
        const deleted: string[] = [];
        for (const key of new Set(diff.delete)) if (next.delete(key)) deleted.push(key);
        for (const [key, value] of [...diff.create, ...diff.update]) {
          if (!current.has(key)) created.push(key);
          else if (current.get(key) !== value) updated.push(key);
          next.set(key, value);
        }
        return { created, updated, deleted };
      });
    },

    async remove(keys: readonly string[], control: ApplyControl = noApplyControl) {
      return change(control, (_current, next) => ({
        created: [],
        updated: [],
        deleted: [...new Set(keys)].filter((key) => next.delete(key)),
      }));
    },
  };
}
