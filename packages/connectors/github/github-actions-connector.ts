import {
  ConnectorError,
  createOutcomeRecorder,
  noApplyControl,
  type ApplyControl,
  type ApplyOutcome,
  type DestinationConnector,
  type DestinationDiff,
} from "../contract/index.ts";
import {
  describeScope,
  GITHUB_SECRETS_PER_SCOPE,
  githubActionsLimits,
  type GitHubActionsConfig,
} from "./github-actions-config.ts";
import type { GitHubClient, GitHubPublicKey } from "./github-client.ts";
import { sealForGitHub } from "./github-sealed-box.ts";

/**
 * GitHub Actions secrets of one repository, environment or organization as a write-only
 * destination. Names are listed (`listKeys`) but values never come back, so `list` throws
 * `unsupported`. Each apply fetches the scope's public key once, seals every written value to it
 * (libsodium sealed box) and writes secrets one by one (GitHub asks for serial writes); the
 * outcome is what GitHub answered (201 created, 204 updated, 204/404 on delete). Keys are
 * upper-cased, as GitHub stores them. The run's control is asked before every
 * `GITHUB_WRITES_PER_BATCH` requests and before the deletes start. A failure part-way leaves
 * earlier writes in place and throws `PartialApplyError` naming them; the next run rewrites
 * everything it owns.
 */
export function createGitHubActionsConnector(client: GitHubClient, config: GitHubActionsConfig): DestinationConnector {
  const scope = describeScope(config);

  async function remove(names: readonly string[], batches: BatchCounter, deleted: string[]): Promise<void> {
    for (const [index, name] of names.entries()) {
      await batches.beforeRequest(index === 0);
      if (await client.deleteSecret(config, name)) deleted.push(name);
    }
  }

  return {
    /** Reading the scope's public key proves the token, that the scope exists and that the token may use its secrets. */
    async validate() {
      await client.publicKey(config);
    },

    async list(): Promise<Map<string, string>> {
      throw new ConnectorError(
        "unsupported",
        `GitHub Actions secrets cannot be read back (GitHub never returns values); ${scope} can only be overwritten, not imported`,
      );
    },

    async listKeys() {
      return new Set(await client.listSecretNames(config));
    },

    async apply(diff: DestinationDiff, control: ApplyControl = noApplyControl): Promise<ApplyOutcome> {
      const writes = foldWrites([...diff.create, ...diff.update], config);
      const deletions = [...new Set(diff.delete.map((key) => key.toUpperCase()))]
        .filter((name) => !writes.has(name))
        .sort();
      const recorder = createOutcomeRecorder();
      const batches = batchCounter(control);
      return recorder.run(async () => {
        if (writes.size > 0) {
          const key: GitHubPublicKey = await client.publicKey(config);
          for (const [name, value] of writes) {
            await batches.beforeRequest(false);
            const encryptedValue = await sealForGitHub(value, key.key);
            const result = await client.putSecret(config, name, { encryptedValue, keyId: key.keyId });
            (result === "created" ? recorder.created : recorder.updated).push(name);
          }
        }
        await remove(deletions, batches, recorder.deleted);
      });
    },

    async remove(keys: readonly string[], control: ApplyControl = noApplyControl): Promise<ApplyOutcome> {
      const names = [...new Set(keys.map((key) => key.toUpperCase()))].sort();
      for (const name of names) checkName(name);
      const recorder = createOutcomeRecorder();
      return recorder.run(() => remove(names, batchCounter(control), recorder.deleted));
    },
  };
}

/**
 * The secrets to write, by upper-cased name, after checking every name, size and the scope's
 * count before any call. Two keys that differ only in case are refused: GitHub would keep one.
 */
function foldWrites(entries: readonly (readonly [string, string])[], config: GitHubActionsConfig): Map<string, string> {
  const writes = new Map<string, string>();
  const original = new Map<string, string>();
  for (const [key, value] of entries) {
    const name = key.toUpperCase();
    checkName(key);
    const bytes = Buffer.byteLength(value, "utf8");
    if (bytes > githubActionsLimits.maxValueBytes) {
      throw new ConnectorError(
        "limit_exceeded",
        `the value of "${key}" is ${bytes} bytes; GitHub Actions secrets hold at most ${githubActionsLimits.maxValueBytes} bytes (48 KB)`,
      );
    }
    const other = original.get(name);
    if (other !== undefined && other !== key) {
      throw new ConnectorError(
        "invalid_config",
        `keys "${other}" and "${key}" are the same GitHub secret ${name} (GitHub ignores case in names): rename one of them`,
      );
    }
    original.set(name, key);
    writes.set(name, value);
  }
  const limit = GITHUB_SECRETS_PER_SCOPE[config.scope];
  if (writes.size > limit) {
    throw new ConnectorError(
      "limit_exceeded",
      `this sync would write ${writes.size} secrets; GitHub allows at most ${limit} in ${describeScope(config)}: split the sync`,
    );
  }
  return writes;
}

function checkName(key: string): void {
  if (!githubActionsLimits.keyPattern.test(key)) {
    throw new ConnectorError(
      "invalid_config",
      `destination key "${key.slice(0, 80)}" is not a valid GitHub secret name (${githubActionsLimits.keyRule}): change the secret's key or the sync's key schema`,
    );
  }
}

/**
 * Write requests between two checks of the run's control (its fence). GitHub takes one request per
 * secret, serially, so 20 requests are a few seconds at GitHub's usual latency: a run that lost its
 * lease or was overtaken by a newer revision stops within seconds, for one orchestrator round trip
 * per 20 writes.
 */
export const GITHUB_WRITES_PER_BATCH = 20;

interface BatchCounter {
  /** Asks the control before the first request, every `GITHUB_WRITES_PER_BATCH` requests and as a new phase starts. */
  beforeRequest(newPhase: boolean): Promise<void>;
}

function batchCounter(control: ApplyControl): BatchCounter {
  let sinceCheck: number | undefined;
  return {
    async beforeRequest(newPhase) {
      if (sinceCheck === undefined || newPhase || sinceCheck >= GITHUB_WRITES_PER_BATCH) {
        await control.beforeBatch();
        sinceCheck = 0;
      }
      sinceCheck++;
    },
  };
}
