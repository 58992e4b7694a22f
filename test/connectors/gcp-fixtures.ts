import { create } from "@bufbuild/protobuf";
import {
  ConnectionCredentialsSchema,
  type ConnectionCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { GcpSecretManagerDestinationConfig } from "@syncline/gen/syncline/syncs/v1/gcp_secret_manager_destination_pb.js";
import { DestinationConfigSchema, type DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type {
  DestinationCalls,
  DestinationConnector,
  EndpointGuard,
  SyncOwner,
} from "../../packages/connectors/contract/index.ts";
import { gcpSecretManagerDestination } from "../../packages/connectors/gcp-secret-manager/index.ts";
import { fakesEndpointGuard } from "./vault-fixtures.ts";

/** GCP connection credentials as the connections service would hand them over (decrypted). */
export function gcpCredentials(fields: {
  apiEndpoint: string;
  keyJson: string;
  tokenUri?: string;
}): ConnectionCredentials {
  return create(ConnectionCredentialsSchema, {
    app: {
      case: "gcp",
      value: {
        apiEndpoint: fields.apiEndpoint,
        tokenUri: fields.tokenUri ?? "",
        method: { case: "serviceAccountKey", value: { keyJson: fields.keyJson } },
      },
    },
  });
}

/** A sync's Secret Manager destination config. */
export function gcpSecretManagerConfig(
  projectId: string,
  extra: Partial<Omit<GcpSecretManagerDestinationConfig, "$typeName" | "projectId">> = {},
): DestinationConfig {
  return create(DestinationConfigSchema, {
    destination: { case: "gcpSecretManager", value: { projectId, ...extra } },
  });
}

/** A connector built the way the worker builds one (the fakes' loopback allowlisted unless told otherwise). */
export function gcpConnector(options: {
  apiEndpoint: string;
  keyJson: string;
  project: string;
  config?: Partial<Omit<GcpSecretManagerDestinationConfig, "$typeName" | "projectId">>;
  owner?: SyncOwner;
  signal?: AbortSignal;
  calls?: DestinationCalls;
  endpointGuard?: EndpointGuard;
}): DestinationConnector {
  return gcpSecretManagerDestination.create({
    config: gcpSecretManagerDestination.parseConfig(gcpSecretManagerConfig(options.project, options.config)),
    credentials: gcpSecretManagerDestination.parseCredentials(
      gcpCredentials({ apiEndpoint: options.apiEndpoint, keyJson: options.keyJson }),
    ),
    ...(options.owner ? { owner: options.owner } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.calls ? { calls: options.calls } : {}),
    endpointGuard: options.endpointGuard ?? fakesEndpointGuard,
  });
}
