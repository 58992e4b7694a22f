import { App } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationDescriptor } from "../contract/index.ts";
import { parseGcpCredentials, type GcpConnectionCredentials } from "./gcp-credentials.ts";
import { createGcpSecretManagerClient } from "./gcp-secret-manager-client.ts";
import {
  gcpSecretManagerLimits,
  parseGcpSecretManagerConfig,
  type GcpSecretManagerConfig,
} from "./gcp-secret-manager-config.ts";
import { createGcpSecretManagerConnector } from "./gcp-secret-manager-connector.ts";
import { gcpSecretManagerConfigFields, gcpSecretManagerDocs } from "./gcp-secret-manager-docs.ts";

/**
 * GCP Secret Manager as a destination: one secret per key in one project, values as versions.
 * Values read back (`versions/latest:access`); each secret is its own write, so no batch writes.
 */
export const gcpSecretManagerDestination: DestinationDescriptor<
  GcpSecretManagerConfig,
  GcpConnectionCredentials,
  "gcpSecretManager"
> = {
  destination: Destination.GCP_SECRET_MANAGER,
  configCase: "gcpSecretManager",
  name: "GCP Secret Manager",
  app: App.GCP,
  capabilities: { readBack: true, keySchema: true, deletionControl: true, removeOnDelete: true, batchWrites: false },
  limits: gcpSecretManagerLimits,
  configFields: gcpSecretManagerConfigFields,
  parseConfig: parseGcpSecretManagerConfig,
  /** One project: secret ids are project-wide. */
  location: (config) => `gcp-secret-manager:${config.projectId}`,
  parseCredentials: parseGcpCredentials,
  create({ config, credentials, owner, signal, endpointGuard, calls }) {
    const client = createGcpSecretManagerClient({
      credentials,
      ...(signal ? { signal } : {}),
      ...(endpointGuard ? { endpointGuard } : {}),
      ...(calls ? { calls } : {}),
    });
    return createGcpSecretManagerConnector(client, config, owner);
  },
  docs: gcpSecretManagerDocs,
};
