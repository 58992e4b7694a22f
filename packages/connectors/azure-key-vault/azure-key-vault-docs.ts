import { create } from "@bufbuild/protobuf";
import { DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationConfigField, DestinationDocs } from "../contract/index.ts";

/** The fields of `destination_config.azure_key_vault`, for ListDestinations and the docs page. */
export const azureKeyVaultConfigFields: readonly DestinationConfigField[] = [
  {
    name: "azure_key_vault.vault_url",
    description: "The vault's URL, e.g. `https://my-vault.vault.azure.net`.",
    required: true,
    rules: "https, the host only (no path, query or fragment); case and a trailing slash are ignored.",
  },
  {
    name: "azure_key_vault.purge_on_delete",
    description:
      "Purge each secret right after deleting it, so its name is free at once and nothing stays recoverable. Needs " +
      "the purge permission; off by default (deleted secrets stay recoverable for the vault's retention period).",
    required: false,
  },
];

/** The text of docs/destinations/azure-key-vault.md. */
export const azureKeyVaultDocs: DestinationDocs = {
  slug: "azure-key-vault",
  summary:
    "Each key of a sync becomes one secret of an Azure Key Vault. Key Vault names allow only letters, digits and " +
    "`-`, so every `_` of a key is written as `-` (`DB_URL` is the secret `DB-URL`); each secret carries the tag " +
    "`syncline-key` with its key, so reading back gives the key exactly, and secrets Syncline did not write map " +
    "`-` back to `_`. Secrets the key schema does not own stay as they are.",
  sections: [
    {
      title: "Writes and pre-flight",
      body:
        "Before writing, a run checks every key and value and fails naming every offending key: names that are " +
        "not 1-127 letters, digits, `-` or `_`, values over 25 KB, and keys that would be one secret (Key Vault " +
        "ignores case, and `A_B` and `A-B` are both `A-B`). It then lists the vault (names and tags, 25 a page " +
        "following `nextLink`) and refuses keys whose secret another sync owns or that back a certificate. Secrets " +
        "are then written one request each (a new version), the run's fence checked every 20 requests; a failure " +
        "part-way reports exactly what was written. The SDK's own retries are off: the worker's failure policy " +
        "retries, waiting as long as a 429's `Retry-After` says.",
    },
    {
      title: "Ownership",
      body:
        "Secrets a sync writes are tagged `syncline-sync-id` and `syncline-project-id` (other tags on the secret " +
        "are kept); writing a key whose secret has no Syncline tags adopts it. Deletion (a key removed at " +
        "the source, or removing the sync's secrets) only touches secrets tagged with that sync: secrets without " +
        "Syncline's tags, or another sync's, are never deleted.",
    },
    {
      title: "Soft delete",
      body:
        "Deleting a secret soft-deletes it (Key Vault keeps it recoverable for its retention period). When a key " +
        "comes back, the deleted secret is recovered and a new version written, as Key Vault refuses to re-create " +
        "a deleted name (`ObjectIsDeletedButRecoverable`). With `purge_on_delete`, deleted secrets are purged at " +
        "once instead.",
    },
    {
      title: "Duplicate destinations",
      body:
        "Two syncs overlap when they write the same vault (URL, ignoring case and a trailing slash) through the " +
        "same tenant and their key schemas can produce the same secret name, compared as Key Vault does: without " +
        "case and with `_` as `-` (`app_{{secretKey}}` and `APP-{{secretKey}}` overlap); the second is refused.",
    },
  ],
  exampleConfig: create(DestinationConfigSchema, {
    destination: {
      case: "azureKeyVault",
      value: { vaultUrl: "https://my-vault.vault.azure.net", purgeOnDelete: false },
    },
  }),
  exampleKeySchema: "{{environment}}-{{secretKey}}",
};
