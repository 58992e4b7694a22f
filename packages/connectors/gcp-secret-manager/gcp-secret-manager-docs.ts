import { create } from "@bufbuild/protobuf";
import {
  GcpOlderVersions,
  GcpSecretReplication,
} from "@syncline/gen/syncline/syncs/v1/gcp_secret_manager_destination_pb.js";
import { DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationConfigField, DestinationDocs } from "../contract/index.ts";

/** The fields of `destination_config.gcp_secret_manager`, for ListDestinations and the docs page. */
export const gcpSecretManagerConfigFields: readonly DestinationConfigField[] = [
  {
    name: "gcp_secret_manager.project_id",
    description: "The project holding the secrets, e.g. `my-project` (or its number).",
    required: true,
    rules: "6 to 30 lowercase letters, digits and `-`, starting with a letter; or a project number.",
  },
  {
    name: "gcp_secret_manager.replication",
    description:
      "`GCP_SECRET_REPLICATION_AUTOMATIC` (default) or `GCP_SECRET_REPLICATION_USER_MANAGED`; applies to secrets " +
      "the sync creates (Secret Manager fixes replication at creation).",
    required: false,
  },
  {
    name: "gcp_secret_manager.locations",
    description: "The locations of user-managed replication, e.g. `europe-west1`.",
    required: false,
    rules: "At least one with user-managed replication, none otherwise; at most 16.",
  },
  {
    name: "gcp_secret_manager.older_versions",
    description:
      "What happens to a secret's older versions after a new value: `GCP_OLDER_VERSIONS_KEEP` (default), " +
      "`GCP_OLDER_VERSIONS_DISABLE` or `GCP_OLDER_VERSIONS_DESTROY` (irreversible).",
    required: false,
  },
  {
    name: "gcp_secret_manager.labels",
    description: "Labels put on every secret the sync creates, e.g. `team: payments`.",
    required: false,
    rules:
      "At most 61; keys start with a lowercase letter and hold at most 63 lowercase letters, digits, `_` or `-` " +
      "(not starting with `syncline`); values at most 63 of the same characters.",
  },
];

/** The text of docs/destinations/gcp-secret-manager.md. */
export const gcpSecretManagerDocs: DestinationDocs = {
  slug: "gcp-secret-manager",
  summary:
    "A sync owns one Secret Manager secret per key in one Google Cloud project; each value written is a new " +
    "version (`AddSecretVersion`), and reads take `versions/latest`. Secrets the sync creates carry the labels " +
    "`managed-by: syncline`, `syncline-sync` and `syncline-project`; a secret labelled for another sync is never " +
    "updated, read into the sync or deleted, and removal deletes only secrets labelled for the sync.",
  sections: [
    {
      title: "Writes",
      body:
        "Calls go to Secret Manager over gRPC with Google's client library (its retries off: the worker decides), " +
        "one secret at a time, each through the worker's call gate; the run's control is asked every 20 secrets. " +
        "A new key is `CreateSecret` then `AddSecretVersion`; an existing one gets a new version, after which the " +
        "older versions are kept, disabled or destroyed as `older_versions` says. A failure part-way reports the " +
        "secrets written so far.",
    },
    {
      title: "Limits",
      body:
        "Secret ids are 1 to 255 letters, digits, `_` or `-`; a version holds at most 64 KiB; a secret at most 64 " +
        "labels (Syncline uses 3). All are checked before any call. Quota answers (`RESOURCE_EXHAUSTED`) are " +
        "retried after the `RetryInfo` delay Google sends, else after a minute.",
    },
    {
      title: "Duplicate destinations",
      body:
        "Two syncs overlap when they write the same project and their key schemas can produce the same secret id; " +
        "the second is refused.",
    },
  ],
  exampleConfig: create(DestinationConfigSchema, {
    destination: {
      case: "gcpSecretManager",
      value: {
        projectId: "my-project",
        replication: GcpSecretReplication.AUTOMATIC,
        olderVersions: GcpOlderVersions.DISABLE,
        labels: { team: "payments" },
      },
    },
  }),
  exampleKeySchema: "{{environment}}_{{secretKey}}",
};
