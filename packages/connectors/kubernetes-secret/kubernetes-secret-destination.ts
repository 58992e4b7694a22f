import { App } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationDescriptor } from "../contract/index.ts";
import { createKubernetesClient } from "./kubernetes-client.ts";
import { parseKubernetesCredentials, type KubernetesConnectionCredentials } from "./kubernetes-credentials.ts";
import { createKubernetesSecretConnector } from "./kubernetes-secret-connector.ts";
import {
  kubernetesSecretLimits,
  parseKubernetesSecretConfig,
  type KubernetesSecretConfig,
} from "./kubernetes-secret-config.ts";
import { kubernetesSecretConfigFields, kubernetesSecretDocs } from "./kubernetes-secret-docs.ts";

/**
 * A Kubernetes Secret as a destination: a sync owns keys of one Secret's `data`. Values read back,
 * one write carries every key, and ownership is recorded in the Secret's annotations.
 */
export const kubernetesSecretDestination: DestinationDescriptor<
  KubernetesSecretConfig,
  KubernetesConnectionCredentials,
  "kubernetesSecret"
> = {
  destination: Destination.KUBERNETES_SECRET,
  configCase: "kubernetesSecret",
  name: "Kubernetes Secret",
  app: App.KUBERNETES,
  capabilities: { readBack: true, keySchema: true, deletionControl: true, removeOnDelete: true, batchWrites: true },
  limits: kubernetesSecretLimits,
  configFields: kubernetesSecretConfigFields,
  parseConfig: parseKubernetesSecretConfig,
  /** One Secret: namespace and name are trimmed and lower-case by rule (`parseKubernetesSecretConfig`). */
  location: (config) => `kubernetes-secret:${config.namespace}/${config.name}`,
  parseCredentials: parseKubernetesCredentials,
  create({ config, credentials, signal, endpointGuard, calls, owner }) {
    const client = createKubernetesClient({
      ...credentials,
      ...(signal ? { signal } : {}),
      ...(endpointGuard ? { endpointGuard } : {}),
      ...(calls ? { calls } : {}),
    });
    return createKubernetesSecretConnector(client, config, owner);
  },
  docs: kubernetesSecretDocs,
};
