import { create } from "@bufbuild/protobuf";
import { AwsSecretsManagerMapping } from "@syncline/gen/syncline/syncs/v1/aws_destination_pb.js";
import { DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationConfigField, DestinationDocs } from "../contract/index.ts";

/** The fields of `destination_config.aws_secrets_manager`, for ListDestinations and the docs page. */
export const secretsManagerConfigFields: readonly DestinationConfigField[] = [
  {
    name: "aws_secrets_manager.mapping",
    description:
      "ONE_SECRET_PER_KEY: each destination key is the name of one secret holding its value. ONE_JSON_SECRET: " +
      "every key is a field of one JSON secret named by `secret_name`.",
    required: true,
    rules: "ONE_SECRET_PER_KEY or ONE_JSON_SECRET.",
  },
  {
    name: "aws_secrets_manager.secret_name",
    description: "The JSON secret's name for ONE_JSON_SECRET, e.g. `apps/api`; empty for ONE_SECRET_PER_KEY.",
    required: false,
    rules: "Required for ONE_JSON_SECRET: 1 to 512 letters, digits and `/_+=.@-`.",
  },
  {
    name: "aws_secrets_manager.kms_key_id",
    description:
      "KMS key (id, ARN or alias) that encrypts the secrets the sync creates; empty for the account's " +
      "`aws/secretsmanager` key. Existing secrets keep their key.",
    required: false,
    rules: "At most 2048 characters, no whitespace.",
  },
  {
    name: "aws_secrets_manager.tags",
    description:
      "Tags put on every secret the sync creates, besides Syncline's `syncline:sync-id` and `syncline:project-id`.",
    required: false,
    rules: "At most 48; keys 1 to 128 characters not starting with `aws:` or `syncline:`, values at most 256.",
  },
  {
    name: "aws_secrets_manager.recovery_window_days",
    description: "Days a secret the sync deletes can still be restored; 0 for AWS's default of 30.",
    required: false,
    rules: "0, or 7 to 30; 0 with `force_delete_without_recovery`.",
  },
  {
    name: "aws_secrets_manager.force_delete_without_recovery",
    description: "Delete at once, without a recovery window (the secret cannot be restored).",
    required: false,
  },
];

/** The text of docs/destinations/aws-secrets-manager.md. */
export const secretsManagerDocs: DestinationDocs = {
  slug: "aws-secrets-manager",
  summary:
    "A sync writes to AWS Secrets Manager in its connection's region, either **one secret per key** (the " +
    "destination key, after the key schema, is the secret's name, so a key schema like `apps/api/{{secretKey}}` " +
    "gives path-like names) or **all keys as one JSON secret** (`secret_name`). Every secret a sync creates " +
    "carries the tags `syncline:sync-id` and `syncline:project-id`, so the AWS console shows which sync " +
    "manages it; secrets tagged for another sync are never read, written or deleted, and removing a sync deletes " +
    "only secrets tagged with it.",
  sections: [
    {
      title: "Writes",
      body:
        "One secret per key: a change lists the secrets (names, tags and planned deletions; no values), then " +
        "writes one request per key, asking the run's control every 20 writes: `CreateSecret` for a new name (with " +
        "the KMS key and tags), `PutSecretValue` for an existing one, and `RestoreSecret` then `PutSecretValue` " +
        "for a name scheduled for deletion. Every write carries a fresh `ClientRequestToken`. A failure part-way " +
        "reports exactly what was written. Values are read back with `BatchGetSecretValue`, 20 at a time. One JSON " +
        "secret: a change reads the secret, merges the sync's keys and writes one new version; a change that " +
        "alters nothing writes nothing. Secrets Manager has no conditional write: a writer outside Syncline " +
        "changing the same JSON secret between the read and the write loses its change.",
    },
    {
      title: "Deletion",
      body:
        "Deleted secrets are scheduled for deletion with `recovery_window_days` (AWS's default 30) or deleted at " +
        "once with `force_delete_without_recovery`. When a sync writes a name that is scheduled for deletion, the " +
        "secret is restored and given the new value. In the JSON mapping, a secret left without keys by a removal " +
        "is deleted only when it carries the sync's tag.",
    },
    {
      title: "Limits and errors",
      body:
        "A value holds at most 65,536 bytes (the whole JSON document in the JSON mapping); names are 1 to 512 " +
        "letters, digits and `/_+=.@-`. AWS's `ThrottlingException` becomes a rate limit with AWS's wait hint " +
        "(1 s without one); the SDK's own retries are off, so the worker's failure policy decides. IAM needs " +
        "`secretsmanager:ListSecrets`, `BatchGetSecretValue`, `GetSecretValue`, `CreateSecret`, `PutSecretValue`, " +
        "`TagResource`, `RestoreSecret` and `DeleteSecret` (and `kms:GenerateDataKey`/`kms:Decrypt` on a custom key).",
    },
    {
      title: "Duplicate destinations",
      body:
        "With one secret per key, two syncs on the same AWS account and region overlap when their key schemas can " +
        "produce the same secret name. With one JSON secret, they overlap when they write the same `secret_name`.",
    },
  ],
  exampleConfig: create(DestinationConfigSchema, {
    destination: {
      case: "awsSecretsManager",
      value: { mapping: AwsSecretsManagerMapping.ONE_SECRET_PER_KEY, tags: { team: "platform" } },
    },
  }),
  exampleKeySchema: "apps/api/{{environment}}/{{secretKey}}",
};
