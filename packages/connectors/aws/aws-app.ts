import { create } from "@bufbuild/protobuf";
import {
  App,
  AuthMethod,
  RedactedCredentialsSchema,
  type ConnectionCredentials,
  type RedactedCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDescriptor, EndpointGuard } from "../contract/index.ts";
import { awsAppDocs } from "./aws-app-docs.ts";
import { checkAwsCredentials, parseAwsCredentials } from "./aws-credentials.ts";
import { createAwsSession } from "./aws-session.ts";

/**
 * AWS as an app connections can reach: an access key or a role assumed through STS, in one region.
 * Only the region, endpoint, access key id and role ARN are ever shown back.
 */
export const awsApp: AppDescriptor<"aws"> = {
  app: App.AWS,
  credentialsCase: "aws",
  name: "Amazon Web Services",
  providerWords: ["AWS", "Amazon"],
  checkCredentials: checkAwsCredentials,

  methodOf(credentials: ConnectionCredentials): AuthMethod {
    if (credentials.app.case !== "aws") return AuthMethod.UNSPECIFIED;
    const method = credentials.app.value.method.case;
    return method === "accessKey"
      ? AuthMethod.AWS_ACCESS_KEY
      : method === "assumeRole"
        ? AuthMethod.AWS_ASSUME_ROLE
        : AuthMethod.UNSPECIFIED;
  },

  redact(credentials: ConnectionCredentials): RedactedCredentials {
    if (credentials.app.case !== "aws") return create(RedactedCredentialsSchema);
    const { region, endpointUrl, method } = credentials.app.value;
    const accessKeyId =
      method.case === "accessKey"
        ? method.value.accessKeyId
        : method.case === "assumeRole"
          ? (method.value.base?.accessKeyId ?? "")
          : "";
    const roleArn = method.case === "assumeRole" ? method.value.roleArn : "";
    return create(RedactedCredentialsSchema, {
      app: { case: "aws", value: { region, endpointUrl, accessKeyId, roleArn } },
    });
  },

  /**
   * The endpoint (or `aws`), the region and the account: the role ARN's account, else the access key
   * id (one key reaches one account). Two keys of one account look like two instances.
   */
  instanceOf(view) {
    const endpoint = view.endpointUrl.trim().toLowerCase().replace(/\/+$/, "") || "aws";
    const account = /^arn:[^:]+:iam::(\d{12}):/.exec(view.roleArn.trim())?.[1] ?? view.accessKeyId.trim();
    return `${endpoint}|${view.region.trim()}|${account}`;
  },

  /** Proves the credentials (and the role assumption) live with `sts:GetCallerIdentity`, which needs no permission. */
  async validateLive(credentials: ConnectionCredentials, signal?: AbortSignal, guard?: EndpointGuard): Promise<void> {
    await createAwsSession({
      credentials: parseAwsCredentials(credentials),
      ...(signal ? { signal } : {}),
      ...(guard ? { endpointGuard: guard } : {}),
    }).callerIdentity();
  },

  docs: awsAppDocs,
};
