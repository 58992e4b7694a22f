import { App } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationDescriptor } from "../contract/index.ts";
import { parseAwsCredentials, type AwsConnectionCredentials } from "../aws/aws-credentials.ts";
import { createAwsSession } from "../aws/aws-session.ts";
import { createParameterStoreClient } from "./parameter-store-client.ts";
import {
  parameterStoreLimits,
  parseParameterStoreConfig,
  type ParameterStoreConfig,
} from "./parameter-store-config.ts";
import { createParameterStoreConnector } from "./parameter-store-connector.ts";
import { parameterStoreConfigFields, parameterStoreDocs } from "./parameter-store-docs.ts";

/** AWS Systems Manager Parameter Store as a destination: one parameter per key under a path prefix. */
export const parameterStoreDestination: DestinationDescriptor<
  ParameterStoreConfig,
  AwsConnectionCredentials,
  "awsParameterStore"
> = {
  destination: Destination.AWS_PARAMETER_STORE,
  configCase: "awsParameterStore",
  name: "AWS Systems Manager Parameter Store",
  app: App.AWS,
  capabilities: { readBack: true, keySchema: true, deletionControl: true, removeOnDelete: true, batchWrites: false },
  limits: parameterStoreLimits,
  configFields: parameterStoreConfigFields,
  parseConfig: parseParameterStoreConfig,
  /** The path prefix as `parseParameterStoreConfig` normalises it (no trailing slash; Parameter Store names are case-sensitive). */
  location: (config) => `aws-parameter-store:${config.pathPrefix}`,
  parseCredentials: parseAwsCredentials,
  create({ config, credentials, signal, endpointGuard, calls, owner }) {
    const session = createAwsSession({
      credentials,
      ...(signal ? { signal } : {}),
      ...(endpointGuard ? { endpointGuard } : {}),
      ...(calls ? { calls } : {}),
    });
    return createParameterStoreConnector(createParameterStoreClient(session), session, config, owner);
  },
  docs: parameterStoreDocs,
};
