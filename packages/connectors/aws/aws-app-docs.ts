import { create } from "@bufbuild/protobuf";
import { AuthMethod, ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDocs } from "../contract/index.ts";

/** The credentials part of the AWS destinations' docs pages. */
export const awsAppDocs: AppDocs = {
  summary:
    "A connection reaches one AWS account in one region, signing every request with AWS Signature Version 4 " +
    "through the AWS SDK. It authenticates with an IAM access key, or assumes an IAM role through STS " +
    "(`sts:AssumeRole` with an external id); the role's temporary credentials are cached until five minutes " +
    "before they expire and renewed once when AWS refuses them. Creating or changing a connection proves it " +
    "live with `sts:GetCallerIdentity`. Only the region, endpoint, access key id and role ARN are shown back. " +
    "`endpoint_url` overrides every AWS endpoint (e.g. a VPC endpoint); an endpoint that is or resolves to an " +
    "internal network is refused unless `SYNCLINE_ENDPOINT_ALLOWLIST` allows it.",
  authMethods: [
    {
      method: AuthMethod.AWS_ACCESS_KEY,
      description: "An IAM access key (optionally temporary, with a session token).",
      fields: [
        {
          name: "credentials.aws.access_key.access_key_id",
          description: "Access key id, e.g. `AKIA…`.",
          required: true,
          secret: false,
        },
        {
          name: "credentials.aws.access_key.secret_access_key",
          description: "Secret access key.",
          required: true,
          secret: true,
        },
        {
          name: "credentials.aws.access_key.session_token",
          description: "Session token of temporary credentials; empty otherwise.",
          required: false,
          secret: true,
        },
      ],
    },
    {
      method: AuthMethod.AWS_ASSUME_ROLE,
      description: "A role assumed through STS with a base access key, an optional external id and a session name.",
      fields: [
        {
          name: "credentials.aws.assume_role.base",
          description: "The access key (same fields as `access_key`) allowed to call `sts:AssumeRole` on the role.",
          required: true,
          secret: true,
        },
        {
          name: "credentials.aws.assume_role.role_arn",
          description: "The role to assume, e.g. `arn:aws:iam::123456789012:role/syncline`.",
          required: true,
          secret: false,
        },
        {
          name: "credentials.aws.assume_role.external_id",
          description: "The external id the role's trust policy requires; empty for none.",
          required: false,
          secret: true,
        },
        {
          name: "credentials.aws.assume_role.session_name",
          description: "Role session name shown in CloudTrail; empty for `syncline`.",
          required: false,
          secret: false,
        },
      ],
    },
  ],
  credentialFields: [
    { name: "credentials.aws.region", description: "AWS region, e.g. `eu-west-1`.", required: true, secret: false },
    {
      name: "credentials.aws.endpoint_url",
      description:
        "Endpoint override for every AWS service the connection calls; empty for AWS's own. https (http only for localhost).",
      required: false,
      secret: false,
    },
  ],
  exampleCredentials: create(ConnectionCredentialsSchema, {
    app: {
      case: "aws",
      value: {
        region: "eu-west-1",
        endpointUrl: "",
        method: {
          case: "assumeRole",
          value: {
            base: {
              accessKeyId: "AKIAEXAMPLEKEY000001",
              secretAccessKey: "example-secret-access-key",
              sessionToken: "",
            },
            roleArn: "arn:aws:iam::123456789012:role/syncline",
            externalId: "example-external-id",
            sessionName: "syncline",
          },
        },
      },
    },
  }),
};
