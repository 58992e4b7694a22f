import type { DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { ConnectorError, type DestinationLimits } from "../contract/index.ts";

/** Where a sync's keys live: entries of the `data` of one Secret, `name` in `namespace`. */
export interface KubernetesSecretConfig {
  readonly namespace: string;
  readonly name: string;
}

/**
 * The API server refuses a Secret whose `data` (keys and decoded values together) exceeds 1 MiB
 * (`MaxSecretSize`); checked before any write over the whole Secret as it would be written.
 */
export const MAX_KUBERNETES_SECRET_BYTES = 1024 * 1024;

/** A key is at most this long (Kubernetes' `IsConfigMapKey`: a DNS subdomain's length). */
export const MAX_KUBERNETES_KEY_CHARS = 253;

/**
 * Limits of one Secret's `data`: keys follow `IsConfigMapKey` (`[-._a-zA-Z0-9]+`, at most 253,
 * not `.` or `..`), and one value may take nearly all of the Secret's 1 MiB; the whole Secret is
 * checked again before writing.
 */
export const kubernetesSecretLimits: DestinationLimits = {
  maxSecrets: 10_000,
  maxValueBytes: 1_000_000,
  keyPattern: /^(?!\.{1,2}$)[-._a-zA-Z0-9]{1,253}$/,
  keyRule: "1 to 253 characters from letters, digits, `-`, `_` and `.` (not `.` or `..`)",
};

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Extracts the namespace and name; throws `ConnectorError("invalid_config")` naming the field at fault. */
export function parseKubernetesSecretConfig(config: DestinationConfig | undefined): KubernetesSecretConfig {
  if (config?.destination.case !== "kubernetesSecret") {
    throw new ConnectorError(
      "invalid_config",
      "destination_config.kubernetes_secret: is required for a Kubernetes Secret destination",
    );
  }
  const namespace = config.destination.value.namespace.trim();
  const name = config.destination.value.name.trim();
  const problems: string[] = [];
  if (namespace === "") problems.push("destination_config.kubernetes_secret.namespace: is required (e.g. `apps`)");
  else if (namespace.length > 63 || !dnsLabel.test(namespace))
    problems.push(
      "destination_config.kubernetes_secret.namespace: must be a DNS-1123 label (lower-case letters, digits and `-`, at most 63 characters, e.g. `apps`)",
    );
  if (name === "") problems.push("destination_config.kubernetes_secret.name: is required (e.g. `api-env`)");
  else if (name.length > 253 || !dnsSubdomain.test(name))
    problems.push(
      "destination_config.kubernetes_secret.name: must be a DNS-1123 subdomain (lower-case letters, digits, `-` and `.`, at most 253 characters, e.g. `api-env`)",
    );
  if (problems.length > 0) throw new ConnectorError("invalid_config", problems.join("; "));
  return { namespace, name };
}
