import { create } from "@bufbuild/protobuf";
import {
  ConnectionCredentialsSchema,
  type ConnectionCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import {
  DestinationConfigSchema,
  GithubSecretScope,
  GithubSecretVisibility,
  type DestinationConfig,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type {
  DestinationCalls,
  DestinationConnector,
  EndpointGuard,
} from "../../packages/connectors/contract/index.ts";
import { fakesEndpointGuard } from "./vault-fixtures.ts";
import { githubActionsDestination } from "../../packages/connectors/github/github-actions-destination.ts";
import type { FakeSecretScope } from "../fakes/github/fake-github.ts";

/** GitHub connection credentials as the connections service would hand them over (decrypted). */
export function githubCredentials(fields: { apiUrl?: string; token?: string }): ConnectionCredentials {
  return create(ConnectionCredentialsSchema, {
    app: {
      case: "github",
      value: {
        apiUrl: fields.apiUrl ?? "",
        method: fields.token === undefined ? { case: undefined } : { case: "token", value: { token: fields.token } },
      },
    },
  });
}

/** The proto fields of a GitHub Actions destination config, every one optional. */
export interface GitHubConfigFields {
  scope?: GithubSecretScope;
  owner?: string;
  repository?: string;
  environment?: string;
  visibility?: GithubSecretVisibility;
  selectedRepositoryIds?: bigint[];
}

/** A sync's GitHub Actions destination config. */
export function githubActionsConfig(fields: GitHubConfigFields): DestinationConfig {
  return create(DestinationConfigSchema, { destination: { case: "githubActions", value: { ...fields } } });
}

/** The three scopes the tests use, as config fields and as the fake's scope. */
export const githubScopes = {
  repository: {
    config: { scope: GithubSecretScope.REPOSITORY, owner: "acme", repository: "api" },
    fake: { repository: "acme/api" },
  },
  environment: {
    config: { scope: GithubSecretScope.ENVIRONMENT, owner: "acme", repository: "api", environment: "production" },
    fake: { repository: "acme/api", environment: "production" },
  },
  organization: {
    config: { scope: GithubSecretScope.ORGANIZATION, owner: "acme", visibility: GithubSecretVisibility.PRIVATE },
    fake: { organization: "acme" },
  },
} as const satisfies Record<string, { config: GitHubConfigFields; fake: FakeSecretScope }>;

/** A connector built the way the worker builds one: through the descriptor's parse functions (fakes' loopback allowlisted unless `endpointGuard` says otherwise). */
export function githubConnector(options: {
  url: string;
  token: string;
  config?: GitHubConfigFields;
  signal?: AbortSignal;
  endpointGuard?: EndpointGuard;
  calls?: DestinationCalls;
}): DestinationConnector {
  return githubActionsDestination.create({
    ...(options.calls ? { calls: options.calls } : {}),
    config: githubActionsDestination.parseConfig(githubActionsConfig(options.config ?? githubScopes.repository.config)),
    credentials: githubActionsDestination.parseCredentials(
      githubCredentials({ apiUrl: options.url, token: options.token }),
    ),
    ...(options.signal ? { signal: options.signal } : {}),
    endpointGuard: options.endpointGuard ?? fakesEndpointGuard,
  });
}
