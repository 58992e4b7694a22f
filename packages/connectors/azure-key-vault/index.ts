export { azureKeyVaultDestination } from "./azure-key-vault-destination.ts";
export { azureApp, keyVaultResourceFor } from "./azure-app.ts";
export {
  createKeyVaultClient,
  DEFAULT_AZURE_TIMEOUT_MS,
  KEY_VAULT_API_VERSION,
  KEY_VAULT_PAGE_SIZE,
  type KeyVaultClient,
  type KeyVaultClientOptions,
  type KeyVaultSecretInfo,
} from "./azure-key-vault-client.ts";
export {
  createAzureKeyVaultConnector,
  keyOf,
  SYNCLINE_TAGS,
  KEY_VAULT_WRITES_PER_BATCH,
} from "./azure-key-vault-connector.ts";
export {
  parseAzureKeyVaultConfig,
  azureKeyVaultLimits,
  toSecretName,
  KEY_VAULT_MAX_VALUE_BYTES,
  KEY_VAULT_HOST_SUFFIXES,
  type AzureKeyVaultConfig,
} from "./azure-key-vault-config.ts";
export {
  checkAzureCredentials,
  parseAzureCredentials,
  normaliseAuthorityHost,
  DEFAULT_AZURE_AUTHORITY_HOST,
  MAX_AZURE_CLIENT_SECRET_CHARS,
  type AzureConnectionCredentials,
} from "./azure-credentials.ts";
export { createAzureTokenCredential, KEY_VAULT_RESOURCES, type AzureTokenCredential } from "./azure-token.ts";
export { classifyAzureFailure, parseAzureRetryAfter, type AzureFailure, type AzureCallTarget } from "./azure-errors.ts";
