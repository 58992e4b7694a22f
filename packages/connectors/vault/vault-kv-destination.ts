import { App } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationDescriptor } from "../contract/index.ts";
import { createVaultClient } from "./vault-client.ts";
import { parseVaultCredentials, type VaultConnectionCredentials } from "./vault-credentials.ts";
import { createVaultKvConnector } from "./vault-kv-connector.ts";
import { parseVaultKvConfig, vaultKvLimits, type VaultKvConfig } from "./vault-kv-config.ts";
import { vaultKvConfigFields, vaultKvDocs } from "./vault-kv-docs.ts";

/**
 * HashiCorp Vault KV version 2 as a destination: a sync owns keys of one KV secret. Everything is
 * readable back and one write carries every key, so all capabilities hold.
 */
export const vaultKvDestination: DestinationDescriptor<VaultKvConfig, VaultConnectionCredentials, "vaultKv"> = {
  destination: Destination.HASHICORP_VAULT,
  configCase: "vaultKv",
  name: "HashiCorp Vault (KV v2)",
  app: App.HASHICORP_VAULT,
  capabilities: { readBack: true, keySchema: true, deletionControl: true, removeOnDelete: true, batchWrites: true },
  limits: vaultKvLimits,
  configFields: vaultKvConfigFields,
  parseConfig: parseVaultKvConfig,
  /** One KV secret: `mount` and `path` come without surrounding slashes from `parseVaultKvConfig`. */
  location: (config) => `vault-kv:${config.mount}/${config.path}`,
  parseCredentials: parseVaultCredentials,
  create({ config, credentials, signal, endpointGuard, calls }) {
    const client = createVaultClient({
      ...credentials,
      ...(signal ? { signal } : {}),
      ...(endpointGuard ? { endpointGuard } : {}),
      ...(calls ? { calls } : {}),
    });
    return createVaultKvConnector(client, config);
  },
  docs: vaultKvDocs,
};
