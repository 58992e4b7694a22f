import { AwsSecretsManagerMapping } from "@syncline/gen/syncline/syncs/v1/aws_destination_pb.js";
import type { DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { ConnectorError, type DestinationLimits } from "../contract/index.ts";

/** How a sync's secrets are deleted: after a recovery window (AWS default 30 days) or at once. */
export type SecretsManagerDeletion =
  | { readonly force: true }
  | { readonly force: false; readonly recoveryWindowDays: number | undefined };

/** Where and how a sync writes to AWS Secrets Manager. */
export interface SecretsManagerConfig {
  /** `per_key`: each destination key is one secret; `json`: every key is a field of `secretName`. */
  readonly mapping: "per_key" | "json";
  /** The JSON secret's name (json mapping); empty otherwise. */
  readonly secretName: string;
  /** KMS key for new secrets; empty for `aws/secretsmanager`. */
  readonly kmsKeyId: string;
  /** User tags put on every secret the sync creates. */
  readonly tags: ReadonlyMap<string, string>;
  readonly deletion: SecretsManagerDeletion;
}

/** Secrets Manager's own limits: a secret value holds at most 65,536 bytes, a name 512 characters. */
export const MAX_SECRET_VALUE_BYTES = 65_536;
/** Tags per secret (AWS: 50); Syncline's two ownership tags count. */
export const MAX_SECRET_TAGS = 50;
export { OWNER_PROJECT_TAG, OWNER_SYNC_TAG } from "../aws/aws-tags.ts";

/**
 * Limits of a Secrets Manager destination: names are secret names (letters, digits and
 * `/_+=.@-`, at most 512), values at most 65,536 bytes (in the JSON mapping the whole JSON
 * document is held to it as well), and the default account quota of 500,000 secrets per region.
 */
export const secretsManagerLimits: DestinationLimits = {
  maxSecrets: 500_000,
  maxValueBytes: MAX_SECRET_VALUE_BYTES,
  keyPattern: /^[A-Za-z0-9/_+=.@-]{1,512}$/,
  keyRule: "1 to 512 letters, digits and `/_+=.@-`",
};

const field = (name: string) => `destination_config.aws_secrets_manager.${name}`;

/** Extracts the typed config; throws `ConnectorError("invalid_config")` naming every field at fault. */
export function parseSecretsManagerConfig(config: DestinationConfig | undefined): SecretsManagerConfig {
  if (config?.destination.case !== "awsSecretsManager") {
    throw new ConnectorError(
      "invalid_config",
      `${field("")}: is required for an AWS Secrets Manager destination`.replace(".:", ":"),
    );
  }
  const raw = config.destination.value;
  const problems: string[] = [];
  const mapping =
    raw.mapping === AwsSecretsManagerMapping.ONE_SECRET_PER_KEY
      ? "per_key"
      : raw.mapping === AwsSecretsManagerMapping.ONE_JSON_SECRET
        ? "json"
        : undefined;
  if (!mapping) problems.push(`${field("mapping")}: is required (ONE_SECRET_PER_KEY or ONE_JSON_SECRET)`);
  const secretName = raw.secretName.trim();
  if (mapping === "json" && !secretsManagerLimits.keyPattern.test(secretName)) {
    problems.push(`${field("secret_name")}: must be 1 to 512 letters, digits and /_+=.@- (e.g. \`apps/api\`)`);
  }
  if (mapping === "per_key" && secretName !== "") {
    problems.push(`${field("secret_name")}: is only for the ONE_JSON_SECRET mapping`);
  }
  const kmsKeyId = raw.kmsKeyId.trim();
  if (kmsKeyId.length > 2048 || /\s/.test(kmsKeyId))
    problems.push(`${field("kms_key_id")}: must be a KMS key id, ARN or alias`);
  const tags = new Map<string, string>();
  for (const [key, value] of Object.entries(raw.tags)) {
    if (key.length < 1 || key.length > 128 || key.toLowerCase().startsWith("aws:") || key.startsWith("syncline:")) {
      problems.push(
        `${field("tags")}: key "${key.slice(0, 40)}" must be 1 to 128 characters not starting with aws: or syncline:`,
      );
    } else if (value.length > 256) {
      problems.push(`${field("tags")}: the value of "${key}" must be at most 256 characters`);
    } else tags.set(key, value);
  }
  if (tags.size > MAX_SECRET_TAGS - 2)
    problems.push(`${field("tags")}: at most ${MAX_SECRET_TAGS - 2} (Syncline adds two)`);
  const days = raw.recoveryWindowDays;
  if (days !== 0 && (days < 7 || days > 30))
    problems.push(`${field("recovery_window_days")}: must be 0 (AWS default, 30) or from 7 to 30`);
  if (raw.forceDeleteWithoutRecovery && days !== 0) {
    problems.push(`${field("recovery_window_days")}: must be 0 with force_delete_without_recovery`);
  }
  if (problems.length > 0 || !mapping) throw new ConnectorError("invalid_config", problems.join("; "));
  return {
    mapping,
    secretName: mapping === "json" ? secretName : "",
    kmsKeyId,
    tags,
    deletion: raw.forceDeleteWithoutRecovery
      ? { force: true }
      : { force: false, recoveryWindowDays: days === 0 ? undefined : days },
  };
}
