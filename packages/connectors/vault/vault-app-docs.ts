import { create } from "@bufbuild/protobuf";
import { AuthMethod, ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDocs } from "../contract/index.ts";
import { MAX_VAULT_TOKEN_CHARS } from "./vault-credentials.ts";

/** The credentials part of the Vault docs page. */
export const vaultAppDocs: AppDocs = {
  summary:
    "A connection reaches one Vault server (and, on Vault Enterprise, one namespace) with a token. Creating or " +
    "changing it proves the token live with `auth/token/lookup-self`, which every token may call. Only the " +
    "address and the namespace are ever shown back. An address that is or resolves to an internal network " +
    "(loopback, private, link-local, …) is refused unless `SYNCLINE_ENDPOINT_ALLOWLIST` allows it.",
  authMethods: [
    {
      method: AuthMethod.VAULT_TOKEN,
      description: "A Vault token whose policy allows the KV v2 paths of the connection's syncs.",
    },
  ],
  credentialFields: [
    {
      name: "credentials.vault.instance_url",
      description:
        "The Vault address without the `/v1` API prefix, e.g. `https://vault.example.com:8200`: http or https, " +
        "no user name, password, query or fragment.",
      required: true,
      secret: false,
    },
    {
      name: "credentials.vault.namespace",
      description: "Vault Enterprise namespace, e.g. `team-a` or `org/team-a`; empty for none. No spaces or `..`.",
      required: false,
      secret: false,
    },
    {
      name: "credentials.vault.token.token",
      description: `The token, at most ${MAX_VAULT_TOKEN_CHARS} characters, without whitespace or control characters.`,
      required: true,
      secret: true,
    },
  ],
  exampleCredentials: create(ConnectionCredentialsSchema, {
    app: {
      case: "vault",
      value: {
        instanceUrl: "https://vault.example.com:8200",
        namespace: "",
        method: { case: "token", value: { token: "hvs.example-token" } },
      },
    },
  }),
};
