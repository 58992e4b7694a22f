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
import {
  describeGitLabPlace,
  GITLAB_VARIABLES_PER_SCOPE,
  gitlabCiCdLimits,
  gitlabMaskingProblem,
  type GitLabCiCdConfig,
} from "./gitlab-ci-cd-config.ts";
import type { GitLabClient, GitLabVariable, GitLabVariableAttributes } from "./gitlab-client.ts";
import { holderOf, ownerDescription } from "./gitlab-ownership.ts";

/**
 * Write requests between two checks of the run's control (its fence): GitLab takes one request per
 * variable, so a run that lost its lease stops within about 20 requests.
 */
export const GITLAB_WRITES_PER_BATCH = 20;

/**
 * GitLab CI/CD variables of one project or group in one environment scope. `list` reads every
 * variable of the scope (hidden ones, whose values GitLab never returns, are left out). An apply
 * first lists the place (one request per 100 variables) so each write is what GitLab needs — POST
 * for a new variable, PUT filtered by environment scope for an existing one — and reports what it
 * actually did; then writes one variable per request, asking the run's control every
 * `GITLAB_WRITES_PER_BATCH` requests and before the deletes. With an `owner`, every variable
 * written carries the sync in its description; variables another sync manages are never written
 * (conflict, before any write) and deletes and `remove` touch only the sync's own variables.
 */
export function createGitLabCiCdConnector(
  client: GitLabClient,
  config: GitLabCiCdConfig,
  owner?: SyncOwner,
): DestinationConnector {
  const place = describeGitLabPlace(config);
  const attributes: GitLabVariableAttributes = {
    protected: config.protected,
    masked: config.masked || config.hidden,
    raw: config.raw,
    hidden: config.hidden,
    description: owner ? ownerDescription(owner) : undefined,
  };

  /** Every variable of the place (all scopes) and this scope's, by key. */
  async function current(): Promise<{ all: number; scoped: Map<string, GitLabVariable> }> {
    const variables = await client.listVariables(config);
    const scoped = new Map(
      variables.filter((v) => v.environmentScope === config.environmentScope).map((v) => [v.key, v] as const),
    );
    return { all: variables.length, scoped };
  }

  /** Whether this connector may delete the variable: without an owner anything listed, with one only its own. */
  const deletable = (variable: GitLabVariable | undefined) =>
    variable !== undefined && (!owner || holderOf(variable.description, owner) === "this sync");

  async function deleteAll(
    keys: readonly string[],
    scoped: ReadonlyMap<string, GitLabVariable>,
    batches: BatchCounter,
    deleted: string[],
  ): Promise<void> {
    let first = true;
    for (const key of keys) {
      if (!deletable(scoped.get(key))) continue;
      await batches.beforeRequest(first);
      first = false;
      if (await client.deleteVariable(config, key)) deleted.push(key);
    }
  }

  return {
    /** Listing one variable proves the token, that the project or group exists and that the token may manage its variables. */
    async validate() {
      await client.listVariables(config, 1);
    },

    async list(): Promise<Map<string, string>> {
      const { scoped } = await current();
      const values = new Map<string, string>();
      for (const [key, variable] of scoped) if (variable.value !== null) values.set(key, variable.value);
      return values;
    },

    async apply(diff: DestinationDiff, control: ApplyControl = noApplyControl): Promise<ApplyOutcome> {
      const writes = new Map([...diff.create, ...diff.update]);
      checkEntries(writes, config);
      const deletions = [...new Set(diff.delete)].filter((key) => !writes.has(key)).sort();
      for (const key of deletions) checkKey(key);
      const recorder = createOutcomeRecorder();
      const batches = batchCounter(control);
      const { all, scoped } = await current();
      checkOwnership(writes, scoped);
      const added = [...writes.keys()].filter((key) => !scoped.has(key)).length;
      const limit = GITLAB_VARIABLES_PER_SCOPE[config.scope];
      if (all + added > limit) {
        throw new ConnectorError(
          "limit_exceeded",
          `this sync would bring ${place} to ${all + added} CI/CD variables; GitLab allows at most ${limit} per ${config.scope}: split the sync or remove unused variables`,
        );
      }
      return recorder.run(async () => {
        for (const [key, value] of writes) {
          await batches.beforeRequest(false);
          if (scoped.has(key)) {
            await client.updateVariable(config, key, value, attributes);
            recorder.updated.push(key);
          } else {
            await client.createVariable(config, key, value, attributes);
            recorder.created.push(key);
          }
        }
        await deleteAll(deletions, scoped, batches, recorder.deleted);
      });
    },

    async remove(keys: readonly string[], control: ApplyControl = noApplyControl): Promise<ApplyOutcome> {
      const names = [...new Set(keys)].sort();
      for (const key of names) checkKey(key);
      const recorder = createOutcomeRecorder();
      const { scoped } = await current();
      return recorder.run(() => deleteAll(names, scoped, batchCounter(control), recorder.deleted));
    },
  };

  /** Refuses, before any write, to overwrite variables another sync manages (their description says so). */
  function checkOwnership(writes: ReadonlyMap<string, string>, scoped: ReadonlyMap<string, GitLabVariable>): void {
    if (!owner) return;
    const foreign = [...writes.keys()].filter((key) => {
      const variable = scoped.get(key);
      return variable !== undefined && holderOf(variable.description, owner) === "another sync";
    });
    if (foreign.length > 0) {
      throw new ConnectorError(
        "conflict",
        `${place} already has variables managed by another Syncline sync: ${foreign.sort().join(", ")}; change this sync's key schema or remove the other sync`,
      );
    }
  }
}

/**
 * Checks every key, value size and (for masked configs) GitLab's masking rule before any call, and
 * fails naming every offending key, never a value.
 */
function checkEntries(writes: ReadonlyMap<string, string>, config: GitLabCiCdConfig): void {
  const badKeys: string[] = [];
  const oversized: string[] = [];
  const unmaskable: string[] = [];
  for (const [key, value] of writes) {
    if (!gitlabCiCdLimits.keyPattern.test(key)) badKeys.push(`"${key.slice(0, 80)}"`);
    else if (Buffer.byteLength(value, "utf8") > gitlabCiCdLimits.maxValueBytes) oversized.push(key);
    else {
      const problem = gitlabMaskingProblem({ masked: config.masked || config.hidden, raw: config.raw }, value);
      if (problem) unmaskable.push(`${key} (${problem})`);
    }
  }
  if (badKeys.length > 0) {
    throw new ConnectorError(
      "invalid_config",
      `destination keys ${badKeys.join(", ")} are not valid GitLab variable keys (${gitlabCiCdLimits.keyRule}): change the secrets' keys or the sync's key schema`,
    );
  }
  if (oversized.length > 0) {
    throw new ConnectorError(
      "limit_exceeded",
      `the values of ${oversized.join(", ")} are larger than GitLab's ${gitlabCiCdLimits.maxValueBytes} bytes per variable`,
    );
  }
  if (unmaskable.length > 0) {
    throw new ConnectorError(
      "invalid_config",
      `GitLab cannot mask the values of ${unmaskable.join("; ")}: change those values, set raw, or turn masked off in destination_config.gitlab_ci_cd`,
    );
  }
}

function checkKey(key: string): void {
  if (!gitlabCiCdLimits.keyPattern.test(key)) {
    throw new ConnectorError(
      "invalid_config",
      `destination key "${key.slice(0, 80)}" is not a valid GitLab variable key (${gitlabCiCdLimits.keyRule})`,
    );
  }
}

interface BatchCounter {
  /** Asks the control before the first request, every `GITLAB_WRITES_PER_BATCH` requests and as a new phase starts. */
  beforeRequest(newPhase: boolean): Promise<void>;
}

function batchCounter(control: ApplyControl): BatchCounter {
  let sinceCheck: number | undefined;
  return {
    async beforeRequest(newPhase) {
      if (sinceCheck === undefined || newPhase || sinceCheck >= GITLAB_WRITES_PER_BATCH) {
        await control.beforeBatch();
        sinceCheck = 0;
      }
      sinceCheck++;
    },
  };
}
