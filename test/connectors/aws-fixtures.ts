import { create } from "@bufbuild/protobuf";
import {
  ConnectionCredentialsSchema,
  type ConnectionCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { AwsParameterType, AwsSecretsManagerMapping } from "@syncline/gen/syncline/syncs/v1/aws_destination_pb.js";
import { DestinationConfigSchema, type DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { parameterStoreDestination } from "../../packages/connectors/aws-parameter-store/parameter-store-destination.ts";
import { secretsManagerDestination } from "../../packages/connectors/aws-secrets-manager/secrets-manager-destination.ts";
import type {
  DestinationCalls,
  DestinationConnector,
  EndpointGuard,
  SyncOwner,
} from "../../packages/connectors/contract/index.ts";
import { fakesEndpointGuard } from "./vault-fixtures.ts";

/** A base key as the fake AWS knows it. */
export interface AwsKeyFixture {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** AWS connection credentials as the connections service would hand them over (decrypted). */
export function awsCredentials(fields: {
  endpointUrl: string;
  region?: string;
  key: AwsKeyFixture;
  role?: { roleArn: string; externalId?: string; sessionName?: string };
}): ConnectionCredentials {
  const key = { sessionToken: "", ...fields.key };
  return create(ConnectionCredentialsSchema, {
    app: {
      case: "aws",
      value: {
        region: fields.region ?? "eu-west-1",
        endpointUrl: fields.endpointUrl,
        method: fields.role
          ? {
              case: "assumeRole",
              value: {
                base: key,
                roleArn: fields.role.roleArn,
                externalId: fields.role.externalId ?? "",
                sessionName: fields.role.sessionName ?? "",
              },
            }
          : { case: "accessKey", value: key },
      },
    },
  });
}

/** A sync's Secrets Manager destination config. */
export function secretsManagerConfig(
  fields: {
    json?: string;
    kmsKeyId?: string;
    tags?: Record<string, string>;
    recoveryWindowDays?: number;
    force?: boolean;
  } = {},
): DestinationConfig {
  return create(DestinationConfigSchema, {
    destination: {
      case: "awsSecretsManager",
      value: {
        mapping: fields.json ? AwsSecretsManagerMapping.ONE_JSON_SECRET : AwsSecretsManagerMapping.ONE_SECRET_PER_KEY,
        secretName: fields.json ?? "",
        kmsKeyId: fields.kmsKeyId ?? "",
        tags: fields.tags ?? {},
        recoveryWindowDays: fields.recoveryWindowDays ?? 0,
        forceDeleteWithoutRecovery: fields.force ?? false,
      },
    },
  });
}

/** A connector built the way the worker builds one: through the descriptor's parse functions. */
export function secretsManagerConnector(options: {
  url: string;
  key: AwsKeyFixture;
  role?: { roleArn: string; externalId?: string };
  config?: DestinationConfig;
  owner?: SyncOwner;
  signal?: AbortSignal;
  calls?: DestinationCalls;
  endpointGuard?: EndpointGuard;
}): DestinationConnector {
  return secretsManagerDestination.create({
    config: secretsManagerDestination.parseConfig(options.config ?? secretsManagerConfig()),
    credentials: secretsManagerDestination.parseCredentials(
      awsCredentials({ endpointUrl: options.url, key: options.key, ...(options.role ? { role: options.role } : {}) }),
    ),
    ...(options.owner ? { owner: options.owner } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.calls ? { calls: options.calls } : {}),
    endpointGuard: options.endpointGuard ?? fakesEndpointGuard,
  });
}

/** A sync's Parameter Store destination config. */
export function parameterStoreConfig(
  fields: { pathPrefix?: string; string?: boolean; kmsKeyId?: string; tags?: Record<string, string> } = {},
): DestinationConfig {
  return create(DestinationConfigSchema, {
    destination: {
      case: "awsParameterStore",
      value: {
        pathPrefix: fields.pathPrefix ?? "/apps/api",
        type: fields.string ? AwsParameterType.STRING : AwsParameterType.SECURE_STRING,
        kmsKeyId: fields.kmsKeyId ?? "",
        tags: fields.tags ?? {},
      },
    },
  });
}

/** A Parameter Store connector built the way the worker builds one. */
export function parameterStoreConnector(options: {
  url: string;
  key: AwsKeyFixture;
  config?: DestinationConfig;
  owner?: SyncOwner;
  signal?: AbortSignal;
  calls?: DestinationCalls;
}): DestinationConnector {
  return parameterStoreDestination.create({
    config: parameterStoreDestination.parseConfig(options.config ?? parameterStoreConfig()),
    credentials: parameterStoreDestination.parseCredentials(
      awsCredentials({ endpointUrl: options.url, key: options.key }),
    ),
    ...(options.owner ? { owner: options.owner } : {}),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.calls ? { calls: options.calls } : {}),
    endpointGuard: fakesEndpointGuard,
  });
}
