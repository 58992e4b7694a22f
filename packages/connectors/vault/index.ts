export { vaultKvDestination } from "./vault-kv-destination.ts";
export { vaultApp } from "./vault-app.ts";
export {
  createVaultClient,
  DEFAULT_VAULT_TIMEOUT_MS,
  type VaultClient,
  type VaultClientOptions,
  type KvSecretState,
  type KvMetadata,
  type VaultTokenInfo,
} from "./vault-client.ts";
export { parseVaultKvConfig, vaultKvLimits, MAX_VAULT_SECRET_BYTES, type VaultKvConfig } from "./vault-kv-config.ts";
export {
  checkVaultCredentials,
  parseVaultCredentials,
  MAX_VAULT_TOKEN_CHARS,
  type VaultConnectionCredentials,
} from "./vault-credentials.ts";
