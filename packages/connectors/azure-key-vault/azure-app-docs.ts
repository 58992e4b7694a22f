import { create } from "@bufbuild/protobuf";
import { AuthMethod, ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDocs } from "../contract/index.ts";
import { MAX_AZURE_CLIENT_SECRET_CHARS } from "./azure-credentials.ts";

/** The credentials part of the Azure Key Vault docs page. */
export const azureAppDocs: AppDocs = {
  summary:
    "A connection signs in as a Microsoft Entra application (service principal) with the client credentials flow: " +
    "`POST {authority_host}/{tenant_id}/oauth2/v2.0/token` with the client id and secret, for a Key Vault token " +
    "(scope `https://vault.azure.net/.default`). Tokens are cached until a minute before they expire and fetched " +
    "again once when Key Vault refuses one. Creating or changing the connection proves the credentials by fetching " +
    "a token; a refusal names the `AADSTS` code. Only the tenant, the client id and the authority host are shown " +
    "back. An authority host that is or resolves to an internal network is refused unless " +
    "`SYNCLINE_ENDPOINT_ALLOWLIST` allows it.",
  authMethods: [
    {
      method: AuthMethod.AZURE_CLIENT_CREDENTIALS,
      description:
        "A client secret of an application that has the `Key Vault Secrets Officer` role on the vault (or get, list, " +
        "set, delete, recover and purge secret permissions in its access policy).",
      fields: [
        {
          name: "credentials.azure.client_secret.client_secret",
          description: `A client secret of the application (its value, not its id), at most ${MAX_AZURE_CLIENT_SECRET_CHARS} printable ASCII characters.`,
          required: true,
          secret: true,
        },
      ],
    },
  ],
  credentialFields: [
    {
      name: "credentials.azure.tenant_id",
      description: "Directory (tenant) id, a GUID, or a verified domain such as `contoso.onmicrosoft.com`.",
      required: true,
      secret: false,
    },
    {
      name: "credentials.azure.client_id",
      description: "Application (client) id of the app registration, a GUID.",
      required: true,
      secret: false,
    },
    {
      name: "credentials.azure.authority_host",
      description:
        "Microsoft identity platform host, https without a path; empty means `https://login.microsoftonline.com` " +
        "(e.g. `https://login.microsoftonline.us` for Azure Government).",
      required: false,
      secret: false,
    },
  ],
  exampleCredentials: create(ConnectionCredentialsSchema, {
    app: {
      case: "azure",
      value: {
        tenantId: "3f7c2a10-5b8e-4d21-9c6f-0a1b2c3d4e5f",
        clientId: "0b5a6c1d-2e3f-4a5b-8c7d-9e0f1a2b3c4d",
        authorityHost: "",
        method: { case: "clientSecret", value: { clientSecret: "example~client-secret" } },
      },
    },
  }),
};
