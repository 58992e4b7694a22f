import {
  ConnectorError,
  createOutcomeRecorder,
  noApplyControl,
  type ApplyControl,
  type DestinationConnector,
  type DestinationDiff,
  type SyncOwner,
} from "../contract/index.ts";
import type { GcpSecretManagerClient } from "./gcp-secret-manager-client.ts";
import { gcpSecretManagerLimits, type GcpSecretManagerConfig } from "./gcp-secret-manager-config.ts";

/** Secrets written (each a create or a new version) between two questions to the run's control. */
export const GCP_WRITES_PER_BATCH = 20;
/** The label naming the Syncline sync that manages a secret. */
export const GCP_SYNC_LABEL = "syncline-sync";
/** The label naming the Syncline project of that sync. */
export const GCP_PROJECT_LABEL = "syncline-project";
/** `managed-by: syncline` on every secret a sync wrote. */
export const GCP_MANAGED_BY_LABEL = "managed-by";

/** A label value as Secret Manager accepts it: lowercase letters, digits, `_` and `-`, at most 63. */
export function gcpLabelValue(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, "_")
    .slice(0, 63);
}

/** The ownership labels of a sync's secrets. */
export function ownershipLabels(owner: SyncOwner): Record<string, string> {
  return {
    [GCP_MANAGED_BY_LABEL]: "syncline",
    [GCP_SYNC_LABEL]: gcpLabelValue(owner.syncId),
    [GCP_PROJECT_LABEL]: gcpLabelValue(owner.projectId),
  };
}

/**
 * A sync's destination as one Secret Manager secret per key in one project; values are versions.
 * Writes go one secret at a time (CreateSecret then AddSecretVersion for a new key; a new version
 * for an existing one, then the retention setting on older versions); the control is asked every
 * `GCP_WRITES_PER_BATCH` keys. With an owner, secrets carry ownership labels; a secret labelled
 * for another sync is never read into the sync, updated or deleted, and a delete leaves secrets
 * without the sync's label alone.
 */
export function createGcpSecretManagerConnector(
  client: GcpSecretManagerClient,
  config: GcpSecretManagerConfig,
  owner: SyncOwner | undefined,
): DestinationConnector {
  const project = config.projectId;
  const mine = owner ? ownershipLabels(owner) : {};
  const ownedByOther = (labels: Readonly<Record<string, string>>) =>
    owner !== undefined && labels[GCP_SYNC_LABEL] !== undefined && labels[GCP_SYNC_LABEL] !== mine[GCP_SYNC_LABEL];
  const ownedByUs = (labels: Readonly<Record<string, string>>) =>
    owner === undefined || labels[GCP_SYNC_LABEL] === mine[GCP_SYNC_LABEL];

  async function allSecrets() {
    const secrets = [];
    let pageToken = "";
    do {
      const page = await client.listSecrets(project, pageToken);
      secrets.push(...page.secrets);
      pageToken = page.nextPageToken;
    } while (pageToken);
    return secrets;
  }

  function vanished(key: string): ConnectorError {
    return new ConnectorError(
      "conflict",
      `secret ${key} was created or deleted by another writer meanwhile; the run will retry`,
    );
  }

  function refuseForeign(key: string): never {
    throw new ConnectorError(
      "invalid_config",
      `secret ${key} in project ${project} is managed by another Syncline sync (label ${GCP_SYNC_LABEL}): change this sync's key schema`,
    );
  }

  /** After a new version: disable or destroy the older enabled ones, as the retention setting says. */
  async function retire(key: string, newest: string) {
    if (config.olderVersions === "keep") return;
    for (const version of await client.listVersions(project, key)) {
      if (version.name === newest || version.state === "DESTROYED") continue;
      if (config.olderVersions === "destroy") await client.destroyVersion(version.name);
      else if (version.state === "ENABLED") await client.disableVersion(version.name);
    }
  }

  /** Writes a value: "created" when the secret was new, "updated" when it got a new version. */
  async function write(key: string, value: string, exists: boolean): Promise<"created" | "updated"> {
    if (!exists && (await create(key))) return addTo(key, value, "created");
    const secret = await client.getSecret(project, key);
    if (!secret) {
      if (!(await create(key))) throw vanished(key);
      return addTo(key, value, "created");
    }
    if (ownedByOther(secret.labels)) refuseForeign(key);
    if (owner && !ownedByUs(secret.labels)) await client.updateLabels(project, key, { ...secret.labels, ...mine });
    return addTo(key, value, "updated");
  }

  function create(key: string): Promise<boolean> {
    return client.createSecret(project, key, { labels: { ...config.labels, ...mine }, locations: config.locations });
  }

  async function addTo<R extends "created" | "updated">(key: string, value: string, result: R): Promise<R> {
    const version = await client.addVersion(project, key, value);
    if (version === undefined) throw vanished(key);
    if (result === "updated") await retire(key, version);
    return result;
  }

  return {
    async validate() {
      await client.listSecrets(project, "");
    },

    async list() {
      const values = new Map<string, string>();
      for (const secret of await allSecrets()) {
        if (ownedByOther(secret.labels)) continue;
        const value = await client.accessLatest(project, secret.id);
        if (value !== undefined) values.set(secret.id, value);
      }
      return values;
    },

    async apply(diff: DestinationDiff, control: ApplyControl = noApplyControl) {
      for (const [key, value] of [...diff.create, ...diff.update]) checkEntry(key, value);
      const recorder = createOutcomeRecorder();
      const writes = [
        ...[...diff.create].map(([key, value]) => ({ key, value, exists: false })),
        ...[...diff.update].map(([key, value]) => ({ key, value, exists: true })),
      ];
      return recorder.run(async () => {
        for (const [index, { key, value, exists }] of writes.entries()) {
          if (index % GCP_WRITES_PER_BATCH === 0) await control.beforeBatch();
          recorder[await write(key, value, exists)].push(key);
        }
        await deleteOwned(diff.delete, control, recorder.deleted);
      });
    },

    async remove(keys: readonly string[], control: ApplyControl = noApplyControl) {
      const recorder = createOutcomeRecorder();
      return recorder.run(() => deleteOwned(keys, control, recorder.deleted));
    },
  };

  async function deleteOwned(keys: readonly string[], control: ApplyControl, deleted: string[]) {
    for (const [index, key] of [...new Set(keys)].entries()) {
      if (index % GCP_WRITES_PER_BATCH === 0) await control.beforeBatch();
      if (owner) {
        const secret = await client.getSecret(project, key);
        if (!secret || !ownedByUs(secret.labels)) continue;
      }
      if (await client.deleteSecret(project, key)) deleted.push(key);
    }
  }
}

/** Refuses a key or value Secret Manager cannot hold, before any call; names the key, never the value. */
function checkEntry(key: string, value: string): void {
  if (!gcpSecretManagerLimits.keyPattern.test(key)) {
    throw new ConnectorError(
      "invalid_config",
      `destination key "${key.slice(0, 80)}" is not a valid Secret Manager secret id (${gcpSecretManagerLimits.keyRule}): change the sync's key schema`,
    );
  }
  const problem = gcpSecretManagerLimits.checkEntry?.(key, value);
  if (problem) throw new ConnectorError("invalid_config", `the value of "${key}" ${problem}`);
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > gcpSecretManagerLimits.maxValueBytes) {
    throw new ConnectorError(
      "limit_exceeded",
      `the value of "${key}" is ${bytes} bytes; Secret Manager accepts at most ${gcpSecretManagerLimits.maxValueBytes} bytes per version`,
    );
  }
}
