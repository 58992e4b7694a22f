import { create } from "@bufbuild/protobuf";
import {
  ConnectionCredentialsSchema,
  type ConnectionCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { DestinationConfigSchema, type DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import {
  createEndpointGuard,
  type DestinationCalls,
  type DestinationConnector,
  type EndpointGuard,
} from "../../packages/connectors/contract/index.ts";
import { vaultKvDestination } from "../../packages/connectors/vault/vault-kv-destination.ts";

/** An AppRole login as the connection's credentials carry it (mount empty means `approle`). */
export interface VaultAppRoleFields {
  readonly roleId: string;
  readonly secretId: string;
  readonly mount?: string;
}

/** Vault connection credentials as the connections service would hand them over (decrypted): a token or an AppRole. */
export function vaultCredentials(fields: {
  instanceUrl: string;
  token?: string;
  appRole?: VaultAppRoleFields;
  namespace?: string;
}): ConnectionCredentials {
  const method = fields.appRole
    ? { case: "appRole" as const, value: { mount: "", ...fields.appRole } }
    : fields.token === undefined
      ? { case: undefined }
      : { case: "token" as const, value: { token: fields.token } };
  return create(ConnectionCredentialsSchema, {
    app: {
      case: "vault",
      value: { instanceUrl: fields.instanceUrl, namespace: fields.namespace ?? "", method },
    },
  });
}

/** A sync's Vault KV destination config. */
export function vaultKvConfig(mount: string, path: string): DestinationConfig {
  return create(DestinationConfigSchema, { destination: { case: "vaultKv", value: { mount, path } } });
}

/** Fakes listen on loopback, which the endpoint guard refuses unless allowlisted, as an operator would. */
export const fakesEndpointGuard: EndpointGuard = createEndpointGuard({ allowlist: ["127.0.0.0/8"] });

/** A connector built the way the worker builds one: through the descriptor's parse functions (fakes' loopback allowlisted unless `endpointGuard` says otherwise). */
export function vaultConnector(options: {
  url: string;
  token?: string;
  appRole?: VaultAppRoleFields;
  namespace?: string;
  mount?: string;
  path?: string;
  signal?: AbortSignal;
  endpointGuard?: EndpointGuard;
  calls?: DestinationCalls;
}): DestinationConnector {
  return vaultKvDestination.create({
    ...(options.calls ? { calls: options.calls } : {}),
    config: vaultKvDestination.parseConfig(vaultKvConfig(options.mount ?? "secret", options.path ?? "apps/api")),
    credentials: vaultKvDestination.parseCredentials(
      vaultCredentials({
        instanceUrl: options.url,
        ...(options.appRole ? { appRole: options.appRole } : { token: options.token ?? "" }),
        ...(options.namespace ? { namespace: options.namespace } : {}),
      }),
    ),
    ...(options.signal ? { signal: options.signal } : {}),
    endpointGuard: options.endpointGuard ?? fakesEndpointGuard,
  });
}
