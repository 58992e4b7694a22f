import { AwsParameterType } from "@syncline/gen/syncline/syncs/v1/aws_destination_pb.js";
import type { DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { ConnectorError, type DestinationLimits } from "../contract/index.ts";

/** Where and how a sync writes to Parameter Store. */
export interface ParameterStoreConfig {
  /** Starts with `/`, no trailing slash except for the root `/`. */
  readonly pathPrefix: string;
  readonly type: "SecureString" | "String";
  /** SecureString only; empty for `alias/aws/ssm`. */
  readonly kmsKeyId: string;
  readonly tags: ReadonlyMap<string, string>;
}

/** Largest value of a standard-tier parameter; larger values go to the advanced tier. */
export const STANDARD_TIER_MAX_BYTES = 4_096;
/** Largest value of an advanced-tier parameter. */
export const ADVANCED_TIER_MAX_BYTES = 8_192;
/** Longest parameter name (the full path). */
export const MAX_PARAMETER_NAME_CHARS = 1_011;

/**
 * Limits of a Parameter Store destination: each key is one parameter directly under the path
 * prefix (letters, digits and `_.-`), values up to 8 KB (advanced tier above 4 KB), and the
 * account quota of 100,000 advanced parameters per region (10,000 standard).
 */
export const parameterStoreLimits: DestinationLimits = {
  maxSecrets: 100_000,
  maxValueBytes: ADVANCED_TIER_MAX_BYTES,
  keyPattern: /^[A-Za-z0-9_.-]{1,500}$/,
  keyRule: "1 to 500 letters, digits and `_.-` (one level under the path prefix)",
  checkEntry: (_key, value) => (value === "" ? "Parameter Store cannot hold an empty value" : undefined),
};

const field = (name: string) => `destination_config.aws_parameter_store.${name}`;

/** Extracts the typed config; throws `ConnectorError("invalid_config")` naming every field at fault. */
export function parseParameterStoreConfig(config: DestinationConfig | undefined): ParameterStoreConfig {
  if (config?.destination.case !== "awsParameterStore") {
    throw new ConnectorError(
      "invalid_config",
      "destination_config.aws_parameter_store: is required for a Parameter Store destination",
    );
  }
  const raw = config.destination.value;
  const problems: string[] = [];
  const trimmed = raw.pathPrefix.trim();
  const pathPrefix = trimmed === "/" ? "/" : trimmed.replace(/\/+$/, "");
  if (!/^\/([A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*)?$/.test(pathPrefix) || pathPrefix.length > 900) {
    problems.push(`${field("path_prefix")}: must be a path such as /apps/api (letters, digits and _.-/)`);
  } else if (/^\/(aws|ssm)/i.test(pathPrefix)) {
    problems.push(`${field("path_prefix")}: must not start with aws or ssm (reserved by AWS)`);
  } else if (pathPrefix.split("/").length - 1 >= 15) {
    problems.push(`${field("path_prefix")}: must be at most 14 levels deep (AWS allows 15 with the key)`);
  }
  const type =
    raw.type === AwsParameterType.STRING
      ? "String"
      : raw.type <= AwsParameterType.SECURE_STRING
        ? "SecureString"
        : undefined;
  if (!type) problems.push(`${field("type")}: must be SECURE_STRING or STRING`);
  const kmsKeyId = raw.kmsKeyId.trim();
  if (kmsKeyId.length > 2048 || /\s/.test(kmsKeyId))
    problems.push(`${field("kms_key_id")}: must be a KMS key id, ARN or alias`);
  if (kmsKeyId !== "" && type === "String")
    problems.push(`${field("kms_key_id")}: is only for SECURE_STRING parameters`);
  const tags = new Map<string, string>();
  for (const [key, value] of Object.entries(raw.tags)) {
    if (key.length < 1 || key.length > 128 || key.toLowerCase().startsWith("aws:") || key.startsWith("syncline:")) {
      problems.push(
        `${field("tags")}: key "${key.slice(0, 40)}" must be 1 to 128 characters not starting with aws: or syncline:`,
      );
    } else if (value.length > 256)
      problems.push(`${field("tags")}: the value of "${key}" must be at most 256 characters`);
    else tags.set(key, value);
  }
  if (tags.size > 48) problems.push(`${field("tags")}: at most 48 (Syncline adds two)`);
  if (problems.length > 0 || !type) throw new ConnectorError("invalid_config", problems.join("; "));
  return { pathPrefix, type, kmsKeyId, tags };
}

/** The full parameter name of a destination key. */
export function parameterName(config: ParameterStoreConfig, key: string): string {
  return config.pathPrefix === "/" ? `/${key}` : `${config.pathPrefix}/${key}`;
}
