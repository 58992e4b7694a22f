export { gitlabCiCdDestination } from "./gitlab-ci-cd-destination.ts";
export { gitlabApp } from "./gitlab-app.ts";
export {
  createGitLabClient,
  DEFAULT_GITLAB_TIMEOUT_MS,
  GITLAB_MAX_PAGE_SIZE,
  type GitLabClient,
  type GitLabClientOptions,
  type GitLabVariable,
  type GitLabVariableAttributes,
} from "./gitlab-client.ts";
export { createGitLabCiCdConnector, GITLAB_WRITES_PER_BATCH } from "./gitlab-ci-cd-connector.ts";
export {
  ALL_ENVIRONMENTS,
  describeGitLabPlace,
  GITLAB_MAX_VALUE_CHARS,
  GITLAB_VARIABLES_PER_SCOPE,
  gitlabCiCdLimits,
  gitlabCiCdLimitsFor,
  gitlabMaskingProblem,
  parseGitLabCiCdConfig,
  type GitLabCiCdConfig,
} from "./gitlab-ci-cd-config.ts";
export {
  checkGitLabCredentials,
  DEFAULT_GITLAB_URL,
  MAX_GITLAB_TOKEN_CHARS,
  normaliseGitLabUrl,
  parseGitLabCredentials,
  type GitLabConnectionCredentials,
} from "./gitlab-credentials.ts";
export { ownerDescription, ownerOf } from "./gitlab-ownership.ts";
