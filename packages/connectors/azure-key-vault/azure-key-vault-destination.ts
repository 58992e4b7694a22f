import { App } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationDescriptor } from "../contract/index.ts";
import { parseAzureCredentials, type AzureConnectionCredentials } from "./azure-credentials.ts";
import { createKeyVaultClient } from "./azure-key-vault-client.ts";
import { azureKeyVaultLimits, parseAzureKeyVaultConfig, type AzureKeyVaultConfig } from "./azure-key-vault-config.ts";
import { createAzureKeyVaultConnector } from "./azure-key-vault-connector.ts";
import { azureKeyVaultConfigFields, azureKeyVaultDocs } from "./azure-key-vault-docs.ts";

/**
 * Azure Key Vault as a destination: one secret per key. Values are readable back; writes are one
 * request per secret, so `batchWrites` is false.
 */
export const azureKeyVaultDestination: DestinationDescriptor<
  AzureKeyVaultConfig,
  AzureConnectionCredentials,
  "azureKeyVault"
> = {
  destination: Destination.AZURE_KEY_VAULT,
  configCase: "azureKeyVault",
  name: "Azure Key Vault",
  app: App.AZURE,
  capabilities: { readBack: true, keySchema: true, deletionControl: true, removeOnDelete: true, batchWrites: false },
  limits: azureKeyVaultLimits,
  configFields: azureKeyVaultConfigFields,
  parseConfig: parseAzureKeyVaultConfig,
  /** One vault: its URL's origin, lower-cased by `parseAzureKeyVaultConfig`. */
  location: (config) => `azure-key-vault:${config.vaultUrl}`,
  parseCredentials: parseAzureCredentials,
  create({ config, credentials, signal, endpointGuard, calls, owner }) {
    const client = createKeyVaultClient({
      vaultUrl: config.vaultUrl,
      credentials,
      ...(signal ? { signal } : {}),
      ...(endpointGuard ? { endpointGuard } : {}),
      ...(calls ? { calls } : {}),
    });
    return createAzureKeyVaultConnector(client, config, owner);
  },
  docs: azureKeyVaultDocs,
};
