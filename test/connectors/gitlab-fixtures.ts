import { create } from "@bufbuild/protobuf";
import {
  ConnectionCredentialsSchema,
  type ConnectionCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { GitlabVariableScope } from "@syncline/gen/syncline/syncs/v1/gitlab_destination_pb.js";
import { DestinationConfigSchema, type DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type {
  DestinationCalls,
  DestinationConnector,
  EndpointGuard,
  SyncOwner,
} from "../../packages/connectors/contract/index.ts";
import { gitlabCiCdDestination } from "../../packages/connectors/gitlab-ci-cd/gitlab-ci-cd-destination.ts";
import { fakesEndpointGuard } from "./vault-fixtures.ts";

/** GitLab connection credentials as the connections service would hand them over (decrypted). */
export function gitlabCredentials(fields: { instanceUrl?: string; token?: string }): ConnectionCredentials {
  return create(ConnectionCredentialsSchema, {
    app: {
      case: "gitlab",
      value: {
        instanceUrl: fields.instanceUrl ?? "",
        method: fields.token === undefined ? { case: undefined } : { case: "token", value: { token: fields.token } },
      },
    },
  });
}

/** The proto fields of a GitLab CI/CD destination config, every one optional. */
export interface GitLabConfigFields {
  scope?: GitlabVariableScope;
  path?: string;
  environmentScope?: string;
  protected?: boolean;
  masked?: boolean;
  raw?: boolean;
  hidden?: boolean;
}

/** A sync's GitLab CI/CD destination config (project `acme/api`, scope `*` unless told). */
export function gitlabConfig(fields: GitLabConfigFields = {}): DestinationConfig {
  return create(DestinationConfigSchema, {
    destination: {
      case: "gitlabCiCd",
      value: { scope: GitlabVariableScope.PROJECT, path: "acme/api", ...fields },
    },
  });
}

/** A connector built the way the worker builds one: through the descriptor's parse functions (fakes' loopback allowlisted). */
export function gitlabConnector(options: {
  url: string;
  token: string;
  config?: GitLabConfigFields;
  owner?: SyncOwner;
  signal?: AbortSignal;
  endpointGuard?: EndpointGuard;
  calls?: DestinationCalls;
}): DestinationConnector {
  return gitlabCiCdDestination.create({
    config: gitlabCiCdDestination.parseConfig(gitlabConfig(options.config)),
    credentials: gitlabCiCdDestination.parseCredentials(
      gitlabCredentials({ instanceUrl: options.url, token: options.token }),
    ),
    ...(options.owner ? { owner: options.owner } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.calls ? { calls: options.calls } : {}),
    endpointGuard: options.endpointGuard ?? fakesEndpointGuard,
  });
}
