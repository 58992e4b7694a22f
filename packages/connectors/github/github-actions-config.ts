import {
  GithubSecretScope,
  GithubSecretVisibility,
  type DestinationConfig,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { ConnectorError, type DestinationLimits } from "../contract/index.ts";

/** Which repositories may use an organization secret, as GitHub's API spells it. */
export type GitHubSecretVisibility = "all" | "private" | "selected";

/**
 * Where a sync's GitHub Actions secrets live: a repository, one deployment environment of a
 * repository, or an organization (with the visibility every secret written gets).
 */
export type GitHubActionsConfig =
  | { readonly scope: "repository"; readonly owner: string; readonly repository: string }
  | { readonly scope: "environment"; readonly owner: string; readonly repository: string; readonly environment: string }
  | {
      readonly scope: "organization";
      readonly organization: string;
      readonly visibility: GitHubSecretVisibility;
      /** Only for `selected`; may be empty (the secret is then usable by no repository). */
      readonly selectedRepositoryIds: readonly number[];
    };

/** GitHub's documented secret limits: per repository, per environment and per organization. */
export const GITHUB_SECRETS_PER_SCOPE: Readonly<Record<GitHubActionsConfig["scope"], number>> = {
  repository: 100,
  environment: 100,
  organization: 1_000,
};

/**
 * Limits of GitHub Actions secrets. `maxSecrets` is the widest scope's (organization); the
 * connector refuses more than its own scope allows (100 for a repository or environment). GitHub
 * documents values as "limited to 48 KB"; we read that as 48 KiB. Names: letters, digits and `_`,
 * not starting with a digit or `GITHUB_`; GitHub upper-cases them, so keys that differ only in
 * case are the same secret (`upperCasesKeys`).
 */
export const githubActionsLimits: DestinationLimits = {
  maxSecrets: GITHUB_SECRETS_PER_SCOPE.organization,
  maxValueBytes: 48 * 1024,
  keyPattern: /^(?![Gg][Ii][Tt][Hh][Uu][Bb]_)[A-Za-z_][A-Za-z0-9_]*$/,
  keyRule:
    "letters, digits and `_` only, not starting with a digit or with `GITHUB_`; GitHub stores names upper-cased, so keys differing only in case are one secret",
  upperCasesKeys: true,
};

const FIELD = "destination_config.github_actions";
const ownerPattern = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const repositoryPattern = /^[A-Za-z0-9_.-]+$/;
const visibilities: Readonly<Record<number, GitHubSecretVisibility>> = {
  [GithubSecretVisibility.ALL]: "all",
  [GithubSecretVisibility.PRIVATE]: "private",
  [GithubSecretVisibility.SELECTED]: "selected",
};

/** Extracts the typed config; throws `ConnectorError("invalid_config")` naming every field at fault. */
export function parseGitHubActionsConfig(config: DestinationConfig | undefined): GitHubActionsConfig {
  if (config?.destination.case !== "githubActions") {
    throw new ConnectorError("invalid_config", `${FIELD}: is required for a GitHub Actions destination`);
  }
  const raw = config.destination.value;
  const problems: string[] = [];
  const problem = (field: string, description: string) => problems.push(`${FIELD}.${field}: ${description}`);
  const owner = raw.owner.trim();
  const repository = raw.repository.trim();
  const environment = raw.environment.trim();
  const ownerProblem =
    owner === ""
      ? "is required (the user or organization, e.g. `acme`)"
      : owner.length > 100 || !ownerPattern.test(owner)
        ? "must be a GitHub user or organization name (letters, digits, `-` and `_`)"
        : undefined;
  if (ownerProblem) problem("owner", ownerProblem);
  const inRepository = raw.scope === GithubSecretScope.REPOSITORY || raw.scope === GithubSecretScope.ENVIRONMENT;
  if (inRepository) {
    if (repository === "") problem("repository", "is required for the repository and environment scopes (e.g. `api`)");
    else if (
      repository.length > 100 ||
      !repositoryPattern.test(repository) ||
      repository === "." ||
      repository === ".."
    )
      problem("repository", "must be a repository name (letters, digits, `-`, `_` and `.`, at most 100)");
  } else if (repository !== "") {
    problem("repository", "must be empty unless scope is REPOSITORY or ENVIRONMENT");
  }
  if (raw.scope === GithubSecretScope.ENVIRONMENT) {
    if (environment === "") problem("environment", "is required for the environment scope (e.g. `production`)");
    else if (environment.length > 255 || /\p{Cc}/u.test(environment))
      problem("environment", "must be at most 255 characters without control characters");
  } else if (environment !== "") {
    problem("environment", "must be empty unless scope is ENVIRONMENT");
  }
  const isOrganization = raw.scope === GithubSecretScope.ORGANIZATION;
  const visibility = visibilities[raw.visibility];
  if (isOrganization && !visibility)
    problem("visibility", "is required for the organization scope (ALL, PRIVATE or SELECTED)");
  if (!isOrganization && raw.visibility !== GithubSecretVisibility.UNSPECIFIED)
    problem("visibility", "applies only to the organization scope");
  const ids = [...new Set(raw.selectedRepositoryIds)];
  if (ids.length > 0 && visibility !== "selected")
    problem("selected_repository_ids", "may be given only with visibility SELECTED");
  if (ids.some((id) => id <= 0n || id > BigInt(Number.MAX_SAFE_INTEGER)))
    problem("selected_repository_ids", "must be positive repository ids");
  if (
    ![GithubSecretScope.REPOSITORY, GithubSecretScope.ENVIRONMENT, GithubSecretScope.ORGANIZATION].includes(raw.scope)
  ) {
    problem("scope", "is required (REPOSITORY, ENVIRONMENT or ORGANIZATION)");
  }
  if (problems.length > 0) throw new ConnectorError("invalid_config", problems.join("; "));

  if (raw.scope === GithubSecretScope.REPOSITORY) return { scope: "repository", owner, repository };
  if (raw.scope === GithubSecretScope.ENVIRONMENT) return { scope: "environment", owner, repository, environment };
  return {
    scope: "organization",
    organization: owner,
    visibility: visibility!,
    selectedRepositoryIds: ids.map(Number).sort((a, b) => a - b),
  };
}

/** The scope in words for messages, e.g. `environment "production" of repository acme/api`. */
export function describeScope(config: GitHubActionsConfig): string {
  switch (config.scope) {
    case "repository":
      return `repository ${config.owner}/${config.repository}`;
    case "environment":
      return `environment "${config.environment}" of repository ${config.owner}/${config.repository}`;
    case "organization":
      return `organization ${config.organization}`;
  }
}
