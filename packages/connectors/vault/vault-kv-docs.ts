import { create } from "@bufbuild/protobuf";
import { DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DestinationConfigField, DestinationDocs } from "../contract/index.ts";

const pathRules =
  "Surrounding slashes are ignored; at most 512 characters; no empty, `.` or `..` segments; " +
  "no control characters, `?`, `#`, `%` or `\\`.";

/** The fields of `destination_config.vault_kv`, for ListDestinations and the docs page. */
export const vaultKvConfigFields: readonly DestinationConfigField[] = [
  {
    name: "vault_kv.mount",
    description: "Mount path of the KV version 2 secrets engine, e.g. `secret`.",
    required: true,
    rules: pathRules,
  },
  {
    name: "vault_kv.path",
    description: "Path of the KV secret inside the mount that holds the sync's keys, e.g. `apps/api`.",
    required: true,
    rules: pathRules,
  },
];

/** The text of docs/destinations/hashicorp-vault.md. */
export const vaultKvDocs: DestinationDocs = {
  slug: "hashicorp-vault",
  summary:
    "A sync owns keys of one KV version 2 secret at `mount`/`path` on a Vault server. Every change reads the " +
    "secret, merges the sync's keys into it and writes the whole map back with check-and-set on the version it " +
    "read, so a concurrent writer causes a short retry, never a lost update; a change that alters nothing writes " +
    "no new version. Keys of the secret that the key schema does not own stay as they are.",
  sections: [
    {
      title: "Writes",
      body:
        "An apply is one write request (one batch), so a failed write means nothing was written. Calls go to " +
        "Vault's HTTP API (`GET`/`POST /v1/<mount>/data/<path>`), each through the worker's call gate (concurrency " +
        "slot, circuit breaker, per-call deadline). The token needs `read`, `create` and `update` on " +
        "`<mount>/data/<path>`.",
    },
    {
      title: "Size",
      body:
        "Vault stores the whole secret as one storage entry: integrated storage refuses entries over its " +
        "`max_entry_size` (1 MiB by default), so a value may use at most 512 KiB and the serialized secret at most " +
        "1,000,000 bytes. Consul storage caps entries at 512 KiB: keep secrets smaller there.",
    },
    {
      title: "Duplicate destinations",
      body:
        "Two syncs overlap when they write the same mount and path (surrounding slashes ignored) on the same Vault " +
        "server (address and namespace) and their key schemas can produce the same key; the second is refused.",
    },
  ],
  exampleConfig: create(DestinationConfigSchema, {
    destination: { case: "vaultKv", value: { mount: "secret", path: "apps/api" } },
  }),
  exampleKeySchema: "{{environment}}_{{secretKey}}",
};
