import { App } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationDescriptor } from "../contract/index.ts";
import { githubActionsLimits, parseGitHubActionsConfig, type GitHubActionsConfig } from "./github-actions-config.ts";
import { createGitHubActionsConnector } from "./github-actions-connector.ts";
import { createGitHubClient } from "./github-client.ts";
import { parseGitHubCredentials, type GitHubConnectionCredentials } from "./github-credentials.ts";

/**
 * GitHub Actions secrets as a destination (repository, environment or organization scope). Write
 * only: names can be listed, values never read back, so no import and no value comparison; one
 * request per secret, so no batch writes.
 */
export const githubActionsDestination: DestinationDescriptor<GitHubActionsConfig, GitHubConnectionCredentials> = {
  destination: Destination.GITHUB_ACTIONS,
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
  configFields: [
    {
      name: "github_actions.scope",
      description:
        "Where the secrets live: REPOSITORY, ENVIRONMENT (a deployment environment of a repository) or ORGANIZATION.",
      required: true,
    },
    {
      name: "github_actions.owner",
      description: "The user or organization that owns the repository, or the organization itself, e.g. `acme`.",
      required: true,
    },
    {
      name: "github_actions.repository",
      description: "Repository name for the REPOSITORY and ENVIRONMENT scopes, e.g. `api`; empty otherwise.",
      required: false,
    },
    {
      name: "github_actions.environment",
      description:
        "Deployment environment for the ENVIRONMENT scope, e.g. `production`; it must already exist in the repository.",
      required: false,
    },
    {
      name: "github_actions.visibility",
      description: "ORGANIZATION scope only: which repositories may use the secrets, ALL, PRIVATE or SELECTED.",
      required: false,
    },
    {
      name: "github_actions.selected_repository_ids",
      description: "ORGANIZATION scope with SELECTED visibility: ids of the repositories that may use the secrets.",
      required: false,
    },
  ],
  parseConfig: parseGitHubActionsConfig,
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
};
