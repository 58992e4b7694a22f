import { create } from "@bufbuild/protobuf";
import { AwsParameterType } from "@syncline/gen/syncline/syncs/v1/aws_destination_pb.js";
import { DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationConfigField, DestinationDocs } from "../contract/index.ts";

/** The fields of `destination_config.aws_parameter_store`, for ListDestinations and the docs page. */
export const parameterStoreConfigFields: readonly DestinationConfigField[] = [
  {
    name: "aws_parameter_store.path_prefix",
    description: "The path the sync's parameters live directly under, e.g. `/apps/api`; `/` for the root.",
    required: true,
    rules:
      "Starts with `/`; letters, digits and `_.-/`; at most 14 levels and 900 characters; not under `/aws` or `/ssm`.",
  },
  {
    name: "aws_parameter_store.type",
    description: "SECURE_STRING (the default, encrypted with KMS) or STRING.",
    required: false,
    rules: "SECURE_STRING or STRING; unset means SECURE_STRING.",
  },
  {
    name: "aws_parameter_store.kms_key_id",
    description: "KMS key (id, ARN or alias) for SecureString parameters; empty for `alias/aws/ssm`.",
    required: false,
    rules: "SECURE_STRING only; at most 2048 characters, no whitespace.",
  },
  {
    name: "aws_parameter_store.tags",
    description: "Tags put on every parameter the sync creates, besides `syncline:sync-id` and `syncline:project-id`.",
    required: false,
    rules: "At most 48; keys 1 to 128 characters not starting with `aws:` or `syncline:`, values at most 256.",
  },
];

/** The text of docs/destinations/aws-parameter-store.md. */
export const parameterStoreDocs: DestinationDocs = {
  slug: "aws-parameter-store",
  summary:
    "A sync writes one AWS Systems Manager parameter per key, directly under `path_prefix` " +
    "(`/apps/api/DB_URL`), as SecureString (encrypted with `kms_key_id`, or `alias/aws/ssm`) or String, in the " +
    "connection's region. Parameters a sync creates carry the tags `syncline:sync-id` and " +
    "`syncline:project-id`; removing a sync deletes only parameters tagged with it.",
  sections: [
    {
      title: "Writes",
      body:
        "A change first describes the parameters under the prefix (`DescribeParameters`, names and tiers, no " +
        "values), then writes one `PutParameter` per key, asking the run's control every 20 writes, and deletes " +
        "with `DeleteParameters`, 10 names a call. Values up to 4 KB go to the standard tier, larger ones (up to " +
        "8 KB) to the advanced tier; an advanced parameter stays advanced (AWS refuses a downgrade). Values are read " +
        "back with `GetParametersByPath` (decrypted, 10 a page, following `NextToken`). A failure part-way reports " +
        "exactly what was written.",
    },
    {
      title: "Limits and errors",
      body:
        "Keys are 1 to 500 letters, digits and `_.-`; a value is 1 byte to 8 KB (Parameter Store holds no empty " +
        "value); the full name is at most 1,011 characters. Every offending key is named before anything is " +
        "written. `ThrottlingException` and `TooManyUpdates` become a rate limit with AWS's wait hint (1 s " +
        "without one); the SDK's own retries are off. IAM needs `ssm:DescribeParameters`, `ssm:GetParametersByPath`, " +
        "`ssm:PutParameter`, `ssm:AddTagsToResource` and `ssm:DeleteParameters` on the path (and `kms:Encrypt`/" +
        "`kms:Decrypt` on a custom key).",
    },
    {
      title: "Ownership",
      body:
        "Values are read (import, plans by value, drift checks) with `GetParametersByPath`, which returns no tags, so " +
        "a listing first asks `DescribeParameters` (50 a page, following `NextToken`) which parameters under the " +
        "prefix carry the tag `syncline:sync-id`, and which carry this sync's id: parameters tagged for another sync " +
        "are left out, so import never copies them and a change never deletes them; untagged parameters and the " +
        "sync's own are listed. AWS refuses tags together with `Overwrite`, so a parameter that existed before the " +
        "sync wrote it is tagged by a separate `AddTagsToResource` after its write.",
    },
    {
      title: "Duplicate destinations",
      body:
        "Two syncs on the same AWS account and region overlap when they use the same `path_prefix` and their key " +
        "schemas can produce the same key.",
    },
  ],
  exampleConfig: create(DestinationConfigSchema, {
    destination: {
      case: "awsParameterStore",
      value: { pathPrefix: "/apps/api", type: AwsParameterType.SECURE_STRING, tags: { team: "platform" } },
    },
  }),
  exampleKeySchema: "{{environment}}_{{secretKey}}",
};
