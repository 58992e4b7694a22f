export { gcpSecretManagerDestination } from "./gcp-secret-manager-destination.ts";
export { gcpApp } from "./gcp-app.ts";
export {
  createGcpSecretManagerClient,
  crc32c,
  DEFAULT_GCP_TIMEOUT_MS,
  type GcpSecretManagerClient,
  type GcpClientOptions,
} from "./gcp-secret-manager-client.ts";
export {
  parseGcpSecretManagerConfig,
  gcpSecretManagerLimits,
  type GcpSecretManagerConfig,
} from "./gcp-secret-manager-config.ts";
export {
  checkGcpCredentials,
  parseGcpCredentials,
  DEFAULT_GCP_API_ENDPOINT,
  type GcpConnectionCredentials,
} from "./gcp-credentials.ts";
export { GCP_SYNC_LABEL, GCP_PROJECT_LABEL, ownershipLabels } from "./gcp-secret-manager-connector.ts";
export { signedAssertion, GCP_CLOUD_PLATFORM_SCOPE } from "./gcp-token.ts";
