export { kubernetesSecretDestination } from "./kubernetes-secret-destination.ts";
export { kubernetesApp } from "./kubernetes-app.ts";
export {
  createKubernetesClient,
  DEFAULT_KUBERNETES_TIMEOUT_MS,
  type KubernetesClient,
  type KubernetesClientOptions,
  type SecretState,
} from "./kubernetes-client.ts";
export { createKubernetesSecretConnector, KUBERNETES_CONFLICT_ATTEMPTS } from "./kubernetes-secret-connector.ts";
export {
  parseKubernetesSecretConfig,
  kubernetesSecretLimits,
  MAX_KUBERNETES_SECRET_BYTES,
  type KubernetesSecretConfig,
} from "./kubernetes-secret-config.ts";
export {
  checkKubernetesCredentials,
  parseKubernetesCredentials,
  MAX_KUBERNETES_TOKEN_CHARS,
  MAX_KUBERNETES_CA_BUNDLE_CHARS,
  type KubernetesConnectionCredentials,
} from "./kubernetes-credentials.ts";
export { OWNERS_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from "./kubernetes-ownership.ts";
