import type { DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { ConnectorError, type DestinationLimits } from "../contract/index.ts";

/** Where a sync's secrets live: one vault, each key one secret. */
export interface AzureKeyVaultConfig {
  /** `https://host[:port]`, lower-cased, no trailing slash. */
  readonly vaultUrl: string;
  /** Purge each secret after deleting it (not recoverable afterwards). */
  readonly purgeOnDelete: boolean;
}

/** Key Vault's value limit: 25 KB (25,600 bytes). */
export const KEY_VAULT_MAX_VALUE_BYTES = 25 * 1024;

/**
 * Limits of a vault as Syncline writes it. Destination keys may use `_`, which Key Vault's names
 * cannot hold: each `_` is written as `-` (`toSecretName`). Names ignore case in Key Vault, so
 * two keys that become one name are refused before any write. Key Vault documents no count limit
 * per vault (throughput is throttled instead); 10,000 keeps a run's listing and writes bounded.
 */
export const azureKeyVaultLimits: DestinationLimits = {
  maxSecrets: 10_000,
  maxValueBytes: KEY_VAULT_MAX_VALUE_BYTES,
  keyPattern: /^[0-9A-Za-z_-]{1,127}$/,
  keyRule:
    "1 to 127 letters, digits, `-` and `_` (`_` is written as `-`; Key Vault ignores case, so keys that differ only in case or in `-`/`_` are one secret)",
  foldKey: (name) => toSecretName(name).toLowerCase(),
};

/** The Key Vault secret name of a destination key: `_` becomes `-`. */
export function toSecretName(key: string): string {
  return key.replaceAll("_", "-");
}

/** Host suffixes of Key Vault in Azure's clouds (public, China, US Government) and Managed HSM. */
export const KEY_VAULT_HOST_SUFFIXES = [
  ".vault.azure.net",
  ".vault.azure.cn",
  ".vault.usgovcloudapi.net",
  ".vault.microsoftazure.de",
  ".managedhsm.azure.net",
];

/** Extracts the vault URL and options; throws `ConnectorError("invalid_config")` naming the field at fault. */
export function parseAzureKeyVaultConfig(config: DestinationConfig | undefined): AzureKeyVaultConfig {
  if (config?.destination.case !== "azureKeyVault") {
    throw new ConnectorError(
      "invalid_config",
      "destination_config.azure_key_vault: is required for an Azure Key Vault destination",
    );
  }
  const { vaultUrl, purgeOnDelete } = config.destination.value;
  return { vaultUrl: parseVaultUrl(vaultUrl), purgeOnDelete };
}

function parseVaultUrl(raw: string): string {
  const field = "destination_config.azure_key_vault.vault_url";
  const value = raw.trim();
  const example = "(e.g. `https://my-vault.vault.azure.net`)";
  const fail = (problem: string) => new ConnectorError("invalid_config", `${field}: ${problem} ${example}`);
  if (value === "") throw fail("is required");
  if (!URL.canParse(value)) throw fail("must be an absolute https URL");
  const url = new URL(value);
  if (url.protocol !== "https:") throw fail("must use https");
  if (url.username || url.password) throw fail("must not contain a user name or password");
  if (url.pathname !== "/" || value.includes("?") || value.includes("#"))
    throw fail("must be the vault's URL without path, query or fragment");
  return url.origin;
}
