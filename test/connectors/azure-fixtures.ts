import { create } from "@bufbuild/protobuf";
import {
  ConnectionCredentialsSchema,
  type ConnectionCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { DestinationConfigSchema, type DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { azureKeyVaultDestination } from "../../packages/connectors/azure-key-vault/azure-key-vault-destination.ts";
import type {
  DestinationCalls,
  DestinationConnector,
  EndpointGuard,
  SyncOwner,
} from "../../packages/connectors/contract/index.ts";
import type { FakeAzure } from "../fakes/azure/fake-azure.ts";
import { fakesEndpointGuard } from "./vault-fixtures.ts";

/** Azure connection credentials as the connections service would hand them over (decrypted). */
export function azureCredentials(fields: {
  tenantId: string;
  clientId: string;
  clientSecret?: string;
  authorityHost?: string;
}): ConnectionCredentials {
  return create(ConnectionCredentialsSchema, {
    app: {
      case: "azure",
      value: {
        tenantId: fields.tenantId,
        clientId: fields.clientId,
        authorityHost: fields.authorityHost ?? "",
        method:
          fields.clientSecret === undefined
            ? { case: undefined }
            : { case: "clientSecret", value: { clientSecret: fields.clientSecret } },
      },
    },
  });
}

/** A sync's Azure Key Vault destination config. */
export function azureKeyVaultConfig(vaultUrl: string, purgeOnDelete = false): DestinationConfig {
  return create(DestinationConfigSchema, {
    destination: { case: "azureKeyVault", value: { vaultUrl, purgeOnDelete } },
  });
}

/** A connector to the fake built the way the worker builds one (fakes' loopback allowlisted). */
export function azureConnector(
  fake: FakeAzure,
  options: {
    clientSecret?: string;
    vaultUrl?: string;
    authorityHost?: string;
    purgeOnDelete?: boolean;
    owner?: SyncOwner;
    signal?: AbortSignal;
    calls?: DestinationCalls;
    endpointGuard?: EndpointGuard;
  } = {},
): DestinationConnector {
  return azureKeyVaultDestination.create({
    config: azureKeyVaultDestination.parseConfig(
      azureKeyVaultConfig(options.vaultUrl ?? fake.url, options.purgeOnDelete ?? false),
    ),
    credentials: azureKeyVaultDestination.parseCredentials(
      azureCredentials({
        tenantId: fake.application.tenantId,
        clientId: fake.application.clientId,
        clientSecret: options.clientSecret ?? fake.application.clientSecret,
        authorityHost: options.authorityHost ?? fake.url,
      }),
    ),
    endpointGuard: options.endpointGuard ?? fakesEndpointGuard,
    ...(options.owner ? { owner: options.owner } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.calls ? { calls: options.calls } : {}),
  });
}

/** The fake's active secrets as destination keys (the `syncline-key` tag, else `-` read as `_`) and values. */
export function inspectAzure(fake: FakeAzure): Map<string, string> {
  const result = new Map<string, string>();
  for (const secret of fake.secrets().values()) {
    const tagged = secret.tags["syncline-key"];
    const key =
      tagged && tagged.replaceAll("_", "-").toLowerCase() === secret.name.toLowerCase()
        ? tagged
        : secret.name.replaceAll("-", "_");
    result.set(key, secret.value);
  }
  return result;
}
