import { create } from "@bufbuild/protobuf";
import { AuthMethod, ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDocs } from "../contract/index.ts";
import { MAX_VAULT_APPROLE_ID_CHARS, MAX_VAULT_TOKEN_CHARS } from "./vault-credentials.ts";

/** The credentials part of the Vault docs page. */
export const vaultAppDocs: AppDocs = {
  summary:
    "A connection reaches one Vault server (and, on Vault Enterprise, one namespace) with a token or an AppRole. " +
    "With AppRole, Syncline logs in with `POST /v1/auth/<mount>/login` (in the connection's namespace) and uses " +
    "the client token until shortly before its lease ends; a call Vault refuses (401/403) logs in once more and " +
    "is retried once. Creating or changing a connection proves it live with `auth/token/lookup-self` (after the " +
    "login), which every token may call, and says whether the login, the permission or the network failed. Only " +
    "the address and the namespace are ever shown back. An address that is or resolves to an internal network " +
    "(loopback, private, link-local, …) is refused unless `SYNCLINE_ENDPOINT_ALLOWLIST` allows it.",
  authMethods: [
    {
      method: AuthMethod.VAULT_TOKEN,
      description: "A Vault token whose policy allows the KV v2 paths of the connection's syncs.",
      fields: [
        {
          name: "credentials.vault.token.token",
          description: `The token, at most ${MAX_VAULT_TOKEN_CHARS} characters, without whitespace or control characters.`,
          required: true,
          secret: true,
        },
      ],
    },
    {
      method: AuthMethod.VAULT_APPROLE,
      description:
        "An AppRole (RoleID and SecretID) whose token policies allow the KV v2 paths of the connection's syncs; " +
        "its tokens are short-lived and renewed by logging in again.",
      fields: [
        {
          name: "credentials.vault.app_role.role_id",
          description: `The role's RoleID, at most ${MAX_VAULT_APPROLE_ID_CHARS} characters, without whitespace.`,
          required: true,
          secret: false,
        },
        {
          name: "credentials.vault.app_role.secret_id",
          description: `A SecretID of the role, at most ${MAX_VAULT_APPROLE_ID_CHARS} characters, without whitespace.`,
          required: true,
          secret: true,
        },
        {
          name: "credentials.vault.app_role.mount",
          description: "The AppRole auth mount path, e.g. `approle` (the default when empty) or `team-a/approle`.",
          required: false,
          secret: false,
        },
      ],
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
