import { App } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationDescriptor } from "../contract/index.ts";
import { githubActionsLimits, parseGitHubActionsConfig, type GitHubActionsConfig } from "./github-actions-config.ts";
import { createGitHubActionsConnector } from "./github-actions-connector.ts";
import { githubActionsConfigFields, githubActionsDocs } from "./github-actions-docs.ts";
import { createGitHubClient } from "./github-client.ts";
import { parseGitHubCredentials, type GitHubConnectionCredentials } from "./github-credentials.ts";

/**
 * GitHub Actions secrets as a destination (repository, environment or organization scope). Write
 * only: names can be listed, values never read back, so no import and no value comparison; one
 * request per secret, so no batch writes.
 */
export const githubActionsDestination: DestinationDescriptor<
  GitHubActionsConfig,
  GitHubConnectionCredentials,
  "githubActions"
> = {
  destination: Destination.GITHUB_ACTIONS,
  configCase: "githubActions",
  name: "GitHub Actions secrets",
  app: App.GITHUB,
  capabilities: {
    readBack: false,
    listKeys: true,
    keySchema: true,
    deletionControl: true,
    removeOnDelete: true,
    batchWrites: false,
  },
  limits: githubActionsLimits,
  configFields: githubActionsConfigFields,
  parseConfig: parseGitHubActionsConfig,
  location: githubActionsLocation,
  parseCredentials: parseGitHubCredentials,
  create({ config, credentials, signal, endpointGuard, calls }) {
    const client = createGitHubClient({
      ...credentials,
      ...(signal ? { signal } : {}),
      ...(endpointGuard ? { endpointGuard } : {}),
      ...(calls ? { calls } : {}),
    });
    return createGitHubActionsConnector(client, config);
  },
  docs: githubActionsDocs,
};

/** One scope's secrets; GitHub ignores case in owner and repository names, not in environment names. */
function githubActionsLocation(config: GitHubActionsConfig): string {
  switch (config.scope) {
    case "organization":
      return `github-actions:org:${config.organization.toLowerCase()}`;
    case "environment":
      return `github-actions:env:${config.owner.toLowerCase()}/${config.repository.toLowerCase()}/${config.environment}`;
    case "repository":
      return `github-actions:repo:${config.owner.toLowerCase()}/${config.repository.toLowerCase()}`;
  }
}
