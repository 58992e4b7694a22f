import { App } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationDescriptor } from "../contract/index.ts";
import { parseAwsCredentials, type AwsConnectionCredentials } from "../aws/aws-credentials.ts";
import { createAwsSession } from "../aws/aws-session.ts";
import { createSecretsManagerClient } from "./secrets-manager-client.ts";
import {
  parseSecretsManagerConfig,
  secretsManagerLimits,
  type SecretsManagerConfig,
} from "./secrets-manager-config.ts";
import { createSecretsManagerConnector } from "./secrets-manager-connector.ts";
import { secretsManagerConfigFields, secretsManagerDocs } from "./secrets-manager-docs.ts";

/**
 * AWS Secrets Manager as a destination: one secret per key, or all keys as one JSON secret.
 * Values read back; each key is its own request in the per-key mapping, so writes are not batched.
 */
export const secretsManagerDestination: DestinationDescriptor<
  SecretsManagerConfig,
  AwsConnectionCredentials,
  "awsSecretsManager"
> = {
  destination: Destination.AWS_SECRETS_MANAGER,
  configCase: "awsSecretsManager",
  name: "AWS Secrets Manager",
  app: App.AWS,
  capabilities: { readBack: true, keySchema: true, deletionControl: true, removeOnDelete: true, batchWrites: false },
  limits: secretsManagerLimits,
  configFields: secretsManagerConfigFields,
  parseConfig: parseSecretsManagerConfig,
  /** Per key: the account and region are the connection's instance, so every per-key sync shares one place. */
  location: (config) =>
    config.mapping === "json" ? `aws-secrets-manager:json:${config.secretName}` : "aws-secrets-manager:per-key",
  parseCredentials: parseAwsCredentials,
  create({ config, credentials, signal, endpointGuard, calls, owner }) {
    const session = createAwsSession({
      credentials,
      ...(signal ? { signal } : {}),
      ...(endpointGuard ? { endpointGuard } : {}),
      ...(calls ? { calls } : {}),
    });
    return createSecretsManagerConnector(createSecretsManagerClient(session), session, config, owner);
  },
  docs: secretsManagerDocs,
};
