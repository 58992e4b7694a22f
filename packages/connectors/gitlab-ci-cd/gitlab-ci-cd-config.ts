import { GitlabVariableScope } from "@syncline/gen/syncline/syncs/v1/gitlab_destination_pb.js";
import type { DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { ConnectorError, type DestinationLimits } from "../contract/index.ts";

/** GitLab's environment scope meaning "every environment". */
export const ALL_ENVIRONMENTS = "*";

/**
 * Where a sync's GitLab CI/CD variables live and the flags every variable written gets. `path` is
 * a numeric id or a full path (`acme/platform/api`); variables are keyed by (key,
 * `environmentScope`).
 */
export interface GitLabCiCdConfig {
  readonly scope: "project" | "group";
  readonly path: string;
  readonly environmentScope: string;
  readonly protected: boolean;
  readonly masked: boolean;
  readonly raw: boolean;
  /** GitLab's `masked_and_hidden`: the value is never returned again; implies `masked`. */
  readonly hidden: boolean;
}

/** GitLab.com's default plan limits: CI/CD variables per project and per group. */
export const GITLAB_VARIABLES_PER_SCOPE: Readonly<Record<GitLabCiCdConfig["scope"], number>> = {
  project: 8_000,
  group: 30_000,
};

/** GitLab.com refuses values longer than this many characters; the connector counts UTF-8 bytes, which is stricter. */
export const GITLAB_MAX_VALUE_CHARS = 10_000;

/**
 * Limits of GitLab CI/CD variables: `maxSecrets` is a group's (the widest scope); the connector
 * checks the configured scope's own. Keys: letters, digits and `_`, at most 255.
 */
export const gitlabCiCdLimits: DestinationLimits = {
  maxSecrets: GITLAB_VARIABLES_PER_SCOPE.group,
  maxValueBytes: GITLAB_MAX_VALUE_CHARS,
  keyPattern: /^[A-Za-z0-9_]{1,255}$/,
  keyRule: "letters, digits and `_` only, 1 to 255 characters",
};

/** GitLab's rule for masked values: at least 8 characters of the Base64 alphabet plus `@`, `:`, `.`, `~` and `-`. */
const maskedPattern = /^[A-Za-z0-9_+=/@:.~-]{8,}$/;
/** Masked raw values: at least 8 characters, any but whitespace (so a single line). */
const maskedRawPattern = /^\S{8,}$/;

/**
 * The per-entry rule GitLab applies to a config's values: with `masked`, GitLab refuses values it
 * cannot mask (400 `{"message":{"value":["is invalid"]}}`). Says what is wrong without the value;
 * empty when GitLab accepts it.
 */
export function gitlabMaskingProblem(config: Pick<GitLabCiCdConfig, "masked" | "raw">, value: string): string {
  if (!config.masked) return "";
  if (config.raw) {
    return maskedRawPattern.test(value)
      ? ""
      : "cannot be masked: a masked raw value needs at least 8 characters on one line without spaces";
  }
  if (maskedPattern.test(value)) return "";
  if (value.length < 8) return "cannot be masked: a masked value needs at least 8 characters";
  return "cannot be masked: a masked value may only contain letters, digits and `_ + = / @ : . ~ -` on one line (or set raw)";
}

/** The limits a config writes under: `gitlabCiCdLimits` plus its masking rule as `checkEntry`. */
export function gitlabCiCdLimitsFor(config: Pick<GitLabCiCdConfig, "masked" | "raw">): DestinationLimits {
  if (!config.masked) return gitlabCiCdLimits;
  return { ...gitlabCiCdLimits, checkEntry: (_key, value) => gitlabMaskingProblem(config, value) || undefined };
}

const FIELD = "destination_config.gitlab_ci_cd";
const pathPattern = /^([0-9]+|[A-Za-z0-9_.][A-Za-z0-9_.-]*(\/[A-Za-z0-9_.][A-Za-z0-9_.-]*)*)$/;
const scopes: Readonly<Record<number, GitLabCiCdConfig["scope"]>> = {
  [GitlabVariableScope.PROJECT]: "project",
  [GitlabVariableScope.GROUP]: "group",
};

/** Extracts the typed config; throws `ConnectorError("invalid_config")` naming every field at fault. */
export function parseGitLabCiCdConfig(config: DestinationConfig | undefined): GitLabCiCdConfig {
  if (config?.destination.case !== "gitlabCiCd") {
    throw new ConnectorError("invalid_config", `${FIELD}: is required for a GitLab CI/CD destination`);
  }
  const raw = config.destination.value;
  const problems: string[] = [];
  const problem = (field: string, description: string) => problems.push(`${FIELD}.${field}: ${description}`);
  const scope = scopes[raw.scope];
  if (!scope) problem("scope", "is required (PROJECT or GROUP)");
  const path = raw.path.trim().replace(/^\/+|\/+$/g, "");
  if (path === "") problem("path", "is required (a numeric id or a full path such as `acme/api`)");
  else if (path.length > 1024 || !pathPattern.test(path))
    problem("path", "must be a numeric id or a full path of letters, digits, `_`, `-`, `.` and `/` (at most 1,024)");
  const environmentScope = raw.environmentScope.trim() || ALL_ENVIRONMENTS;
  if (environmentScope.length > 255 || /\p{Cc}/u.test(environmentScope))
    problem("environment_scope", "must be `*` or an environment name (at most 255 characters, no control characters)");
  if (raw.hidden && !raw.masked) problem("hidden", "requires masked (GitLab hides only masked variables)");
  if (problems.length > 0) throw new ConnectorError("invalid_config", problems.join("; "));
  return {
    scope: scope!,
    path,
    environmentScope,
    protected: raw.protected,
    masked: raw.masked,
    raw: raw.raw,
    hidden: raw.hidden,
  };
}

/** The place in words for messages, e.g. `project acme/api (environment scope "production")`. */
export function describeGitLabPlace(config: Pick<GitLabCiCdConfig, "scope" | "path" | "environmentScope">): string {
  return `${config.scope} ${config.path} (environment scope "${config.environmentScope}")`;
}
