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
import { OWNER_PROJECT_TAG, OWNER_SYNC_TAG } from "../aws/aws-tags.ts";
import { DELETE_PARAMETERS_MAX, type ParameterStoreClientApi } from "./parameter-store-client.ts";
import {
  parameterName,
  parameterStoreLimits,
  STANDARD_TIER_MAX_BYTES,
  type ParameterStoreConfig,
} from "./parameter-store-config.ts";
import { parameterEntryProblem } from "./parameter-store-entries.ts";

/** Parameters written between two questions to the run's control (one request each). */
export const PARAMETER_STORE_WRITES_PER_BATCH = 20;

/**
 * One parameter per destination key, directly under the path prefix. A change first describes the
 * parameters there (names and tiers, no values), then writes one `PutParameter` per key in batches
 * of 20 — standard tier up to 4 KB, advanced above (an advanced parameter stays advanced, as AWS
 * refuses a downgrade), new ones tagged with the sync, existing untagged ones tagged after their
 * write — and deletes with `DeleteParameters`, 10 names a call. With an owner, parameters tagged
 * for another sync are never listed, written or deleted, and removal deletes only parameters tagged
 * with the sync.
 */
export function createParameterStoreConnector(
  client: ParameterStoreClientApi,
  session: AwsSession,
  config: ParameterStoreConfig,
  owner: SyncOwner | undefined,
): DestinationConnector {
  const prefix = config.pathPrefix;
  const keyOf = (name: string) => name.slice(prefix === "/" ? 1 : prefix.length + 1);
  const tags = new Map(config.tags);
  if (owner) {
    tags.set(OWNER_SYNC_TAG, owner.syncId);
    tags.set(OWNER_PROJECT_TAG, owner.projectId);
  }

  async function deleteKeys(
    keys: readonly string[],
    present: ReadonlySet<string>,
    control: ApplyControl,
    recorder: ReturnType<typeof createOutcomeRecorder>,
  ): Promise<void> {
    const names = [...new Set(keys)].map((key) => parameterName(config, key)).filter((name) => present.has(name));
    for (let i = 0; i < names.length; i += DELETE_PARAMETERS_MAX) {
      await control.beforeBatch();
      for (const name of await client.deleteBatch(names.slice(i, i + DELETE_PARAMETERS_MAX)))
        recorder.deleted.push(keyOf(name));
    }
  }

  /**
   * With an owner: of the existing parameters a change overwrites, those not yet tagged with the
   * sync (AWS refuses tags with Overwrite, so they are tagged after the write). Refuses, before any
   * write, parameters tagged for another sync. Costs one call, plus one per parameter not yet the sync's.
   */
  async function adoptions(overwritten: readonly string[]): Promise<Set<string>> {
    if (!owner || overwritten.length === 0) return new Set();
    const own = new Set(
      (await client.describe(prefix, { key: OWNER_SYNC_TAG, value: owner.syncId })).map((p) => p.name),
    );
    const adopted = new Set<string>();
    const foreign: string[] = [];
    for (const name of overwritten.filter((n) => !own.has(n))) {
      const syncId = (await client.tagsOf(name)).get(OWNER_SYNC_TAG);
      if (syncId === undefined) adopted.add(name);
      else foreign.push(keyOf(name));
    }
    if (foreign.length > 0) {
      throw new ConnectorError(
        "invalid_config",
        `Parameter Store parameters ${foreign
          .slice(0, 20)
          .map((k) => `"${k}"`)
          .join(
            ", ",
          )} under ${prefix} are owned by another sync (tag ${OWNER_SYNC_TAG}): change this sync's key schema or path_prefix`,
      );
    }
    return adopted;
  }

  /**
   * With an owner: the names under the prefix tagged for another sync (`DescribeParameters` by the
   * tag's key, less those with the sync's own id; two describes, 50 names a page). Empty without one.
   */
  async function foreignNames(): Promise<Set<string>> {
    if (!owner) return new Set();
    const tagged = await client.describe(prefix, { key: OWNER_SYNC_TAG });
    if (tagged.length === 0) return new Set();
    const own = new Set(
      (await client.describe(prefix, { key: OWNER_SYNC_TAG, value: owner.syncId })).map((p) => p.name),
    );
    return new Set(tagged.map((p) => p.name).filter((name) => !own.has(name)));
  }

  return {
    async validate() {
      await session.callerIdentity();
      await client.describe(prefix);
    },

    async list() {
      const foreign = await foreignNames();
      const values = new Map<string, string>();
      for (const [name, value] of await client.valuesUnder(prefix))
        if (!foreign.has(name)) values.set(keyOf(name), value);
      return values;
    },

    async apply(diff: DestinationDiff, control: ApplyControl = noApplyControl): Promise<ApplyOutcome> {
      const writes = [...diff.create, ...diff.update];
      checkEntries(config, writes);
      const tiers = new Map((await client.describe(prefix)).map((p) => [p.name, p.tier]));
      const adopted = await adoptions(
        writes.map(([key]) => parameterName(config, key)).filter((name) => tiers.has(name)),
      );
      const foreign = diff.delete.length > 0 ? await foreignNames() : new Set<string>();
      const deletable = new Set([...tiers.keys()].filter((name) => !foreign.has(name)));
      const recorder = createOutcomeRecorder();
      return recorder.run(async () => {
        for (let i = 0; i < writes.length; i += PARAMETER_STORE_WRITES_PER_BATCH) {
          await control.beforeBatch();
          for (const [key, value] of writes.slice(i, i + PARAMETER_STORE_WRITES_PER_BATCH)) {
            const name = parameterName(config, key);
            const existing = tiers.get(name);
            const large = Buffer.byteLength(value, "utf8") > STANDARD_TIER_MAX_BYTES;
            await client.put({
              name,
              value,
              type: config.type,
              kmsKeyId: config.kmsKeyId,
              tier: large || existing === "Advanced" ? "Advanced" : "Standard",
              overwrite: existing !== undefined,
              tags,
            });
            if (adopted.has(name)) await client.addTags(name, tags);
            (existing === undefined ? recorder.created : recorder.updated).push(key);
          }
        }
        await deleteKeys(diff.delete, deletable, control, recorder);
      });
    },

    async remove(keys: readonly string[], control: ApplyControl = noApplyControl): Promise<ApplyOutcome> {
      const own = owner ? { key: OWNER_SYNC_TAG, value: owner.syncId } : undefined;
      const present = new Set((await client.describe(prefix, own)).map((p) => p.name));
      const recorder = createOutcomeRecorder();
      return recorder.run(() => deleteKeys(keys, present, control, recorder));
    },
  };
}

/** Refuses, before any call, every key or value Parameter Store cannot hold, naming each key (never a value). */
function checkEntries(config: ParameterStoreConfig, writes: readonly (readonly [string, string])[]): void {
  const problems: string[] = [];
  let kind: "invalid_config" | "limit_exceeded" = "invalid_config";
  for (const [key, value] of writes) {
    if (!parameterStoreLimits.keyPattern.test(key)) {
      problems.push(`"${key.slice(0, 80)}" is not a valid parameter name (${parameterStoreLimits.keyRule})`);
      continue;
    }
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > parameterStoreLimits.maxValueBytes) {
      kind = "limit_exceeded";
      problems.push(
        `the value of "${key}" is ${bytes} bytes; a parameter holds at most ${parameterStoreLimits.maxValueBytes} (advanced tier)`,
      );
      continue;
    }
    const problem = parameterEntryProblem(config, key, value);
    if (problem) problems.push(`"${key}": ${problem}`);
  }
  if (problems.length > 0) {
    throw new ConnectorError(
      kind,
      `Parameter Store cannot hold ${problems.slice(0, 20).join("; ")}: change the sync's key schema or values`,
    );
  }
}
