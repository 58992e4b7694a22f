export { githubActionsDestination } from "./github-actions-destination.ts";
export { githubApp } from "./github-app.ts";
export {
  createGitHubClient,
  DEFAULT_GITHUB_TIMEOUT_MS,
  GITHUB_MAX_PAGE_SIZE,
  type GitHubClient,
  type GitHubClientOptions,
  type GitHubPublicKey,
} from "./github-client.ts";
export { createGitHubActionsConnector } from "./github-actions-connector.ts";
export {
  parseGitHubActionsConfig,
  describeScope,
  githubActionsLimits,
  GITHUB_SECRETS_PER_SCOPE,
  type GitHubActionsConfig,
  type GitHubSecretVisibility,
} from "./github-actions-config.ts";
export {
  checkGitHubCredentials,
  parseGitHubCredentials,
  normaliseApiUrl,
  DEFAULT_GITHUB_API_URL,
  MAX_GITHUB_TOKEN_CHARS,
  type GitHubConnectionCredentials,
} from "./github-credentials.ts";
export { sealForGitHub } from "./github-sealed-box.ts";
