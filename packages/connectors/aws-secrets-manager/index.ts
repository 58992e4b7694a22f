export { secretsManagerDestination } from "./secrets-manager-destination.ts";
export {
  parseSecretsManagerConfig,
  secretsManagerLimits,
  OWNER_SYNC_TAG,
  OWNER_PROJECT_TAG,
  type SecretsManagerConfig,
} from "./secrets-manager-config.ts";
export { SECRETS_MANAGER_WRITES_PER_BATCH } from "./secrets-manager-connector.ts";
