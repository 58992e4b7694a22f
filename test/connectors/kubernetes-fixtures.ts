import { create } from "@bufbuild/protobuf";
import {
  ConnectionCredentialsSchema,
  type ConnectionCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { DestinationConfigSchema, type DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type {
  DestinationCalls,
  DestinationConnector,
  EndpointGuard,
  SyncOwner,
} from "../../packages/connectors/contract/index.ts";
import { kubernetesSecretDestination } from "../../packages/connectors/kubernetes-secret/kubernetes-secret-destination.ts";
import { fakesEndpointGuard } from "./vault-fixtures.ts";

/** Kubernetes connection credentials as the connections service would hand them over (decrypted). */
export function kubernetesCredentials(fields: {
  apiServerUrl: string;
  caBundle?: string;
  token?: string;
}): ConnectionCredentials {
  return create(ConnectionCredentialsSchema, {
    app: {
      case: "kubernetes",
      value: {
        apiServerUrl: fields.apiServerUrl,
        caBundle: fields.caBundle ?? "",
        method:
          fields.token === undefined
            ? { case: undefined }
            : { case: "serviceAccountToken", value: { token: fields.token } },
      },
    },
  });
}

/** A sync's Kubernetes Secret destination config. */
export function kubernetesSecretConfig(namespace: string, name: string): DestinationConfig {
  return create(DestinationConfigSchema, { destination: { case: "kubernetesSecret", value: { namespace, name } } });
}

/** The owner the conformance connectors write for. */
export const conformanceOwner: SyncOwner = { syncId: "sync-conformance", projectId: "project-conformance" };

/** A connector built the way the worker builds one: through the descriptor's parse functions (loopback allowlisted). */
export function kubernetesConnector(options: {
  url: string;
  caBundle: string;
  token: string;
  namespace?: string;
  name?: string;
  owner?: SyncOwner | null;
  signal?: AbortSignal;
  endpointGuard?: EndpointGuard;
  calls?: DestinationCalls;
}): DestinationConnector {
  const owner = options.owner === undefined ? conformanceOwner : options.owner;
  return kubernetesSecretDestination.create({
    ...(options.calls ? { calls: options.calls } : {}),
    config: kubernetesSecretDestination.parseConfig(
      kubernetesSecretConfig(options.namespace ?? "apps", options.name ?? "api-env"),
    ),
    credentials: kubernetesSecretDestination.parseCredentials(
      kubernetesCredentials({ apiServerUrl: options.url, caBundle: options.caBundle, token: options.token }),
    ),
    ...(owner ? { owner } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    endpointGuard: options.endpointGuard ?? fakesEndpointGuard,
  });
}
