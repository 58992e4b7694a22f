import {
  GcpOlderVersions,
  GcpSecretReplication,
} from "@syncline/gen/syncline/syncs/v1/gcp_secret_manager_destination_pb.js";
import type { DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { ConnectorError, type DestinationLimits } from "../contract/index.ts";

/** What happens to a secret's older versions after a new value: kept, disabled or destroyed. */
export type OlderVersions = "keep" | "disable" | "destroy";

/** Where and how a sync writes to Secret Manager: one secret per key in `projectId`. */
export interface GcpSecretManagerConfig {
  readonly projectId: string;
  /** Empty for automatic replication; the user-managed locations otherwise. */
  readonly locations: readonly string[];
  readonly olderVersions: OlderVersions;
  /** Labels put on every secret the sync creates, besides the ownership labels. */
  readonly labels: Readonly<Record<string, string>>;
}

/** Secret Manager's own limits: secret ids `[A-Za-z0-9_-]{1,255}`, payloads up to 64 KiB, 64 labels. */
export const gcpSecretManagerLimits: DestinationLimits = {
  maxSecrets: 10_000,
  maxValueBytes: 64 * 1024,
  keyPattern: /^[A-Za-z0-9_-]{1,255}$/,
  keyRule: "1 to 255 letters, digits, `_` or `-` (a Secret Manager secret id)",
  checkEntry: (_key, value) =>
    value === "" ? 'is empty; Secret Manager versions need a payload ("Field [payload] is required")' : undefined,
};

/** Labels a secret may carry in all, ours included. */
export const MAX_GCP_LABELS = 64;
/** Labels Syncline adds to record ownership. */
export const OWNERSHIP_LABEL_COUNT = 3;

const field = "destination_config.gcp_secret_manager";
const projectPattern = /^([a-z][a-z0-9-]{4,28}[a-z0-9]|[0-9]{1,20})$/;
const locationPattern = /^[a-z]+-[a-z]+[0-9]+$/;
const labelKeyPattern = /^[a-z][a-z0-9_-]{0,62}$/;
const labelValuePattern = /^[a-z0-9_-]{0,63}$/;

/** Extracts the Secret Manager config; throws `ConnectorError("invalid_config")` naming every field at fault. */
export function parseGcpSecretManagerConfig(config: DestinationConfig | undefined): GcpSecretManagerConfig {
  if (config?.destination.case !== "gcpSecretManager") {
    throw new ConnectorError("invalid_config", `${field}: is required for a GCP Secret Manager destination`);
  }
  const value = config.destination.value;
  const problems: string[] = [];
  const projectId = value.projectId.trim();
  if (!projectPattern.test(projectId))
    problems.push(
      `${field}.project_id: must be a project id such as \`my-project\` (6 to 30 lowercase letters, digits and \`-\`) or a project number`,
    );
  const userManaged = value.replication === GcpSecretReplication.USER_MANAGED;
  const locations = [...new Set(value.locations.map((l) => l.trim()))];
  if (userManaged && locations.length === 0)
    problems.push(`${field}.locations: user-managed replication needs at least one location (e.g. \`europe-west1\`)`);
  if (!userManaged && locations.length > 0)
    problems.push(`${field}.locations: only with replication GCP_SECRET_REPLICATION_USER_MANAGED`);
  const badLocation = locations.find((l) => !locationPattern.test(l));
  if (badLocation !== undefined)
    problems.push(`${field}.locations: "${badLocation.slice(0, 40)}" is not a location such as \`europe-west1\``);
  const labels: Record<string, string> = {};
  for (const [key, labelValue] of Object.entries(value.labels)) {
    if (!labelKeyPattern.test(key) || key.startsWith("syncline"))
      problems.push(
        `${field}.labels: key "${key.slice(0, 63)}" must start with a lowercase letter, hold at most 63 lowercase letters, digits, \`_\` or \`-\`, and not start with \`syncline\``,
      );
    else if (!labelValuePattern.test(labelValue))
      problems.push(`${field}.labels["${key}"]: at most 63 lowercase letters, digits, \`_\` or \`-\``);
    else labels[key] = labelValue;
  }
  if (Object.keys(value.labels).length > MAX_GCP_LABELS - OWNERSHIP_LABEL_COUNT)
    problems.push(
      `${field}.labels: at most ${MAX_GCP_LABELS - OWNERSHIP_LABEL_COUNT} labels (Secret Manager allows ${MAX_GCP_LABELS}, Syncline uses ${OWNERSHIP_LABEL_COUNT})`,
    );
  if (problems.length > 0) throw new ConnectorError("invalid_config", problems.join("; "));
  return {
    projectId,
    locations: userManaged ? locations : [],
    olderVersions: olderVersionsOf(value.olderVersions),
    labels,
  };
}

function olderVersionsOf(value: GcpOlderVersions): OlderVersions {
  if (value === GcpOlderVersions.DISABLE) return "disable";
  if (value === GcpOlderVersions.DESTROY) return "destroy";
  return "keep";
}
