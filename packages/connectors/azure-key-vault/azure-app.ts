import { create } from "@bufbuild/protobuf";
import {
  App,
  AuthMethod,
  RedactedCredentialsSchema,
  type ConnectionCredentials,
  type RedactedCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDescriptor, EndpointGuard } from "../contract/index.ts";
import { azureAppDocs } from "./azure-app-docs.ts";
import { checkAzureCredentials, normaliseAuthorityHost, parseAzureCredentials } from "./azure-credentials.ts";
import { createAzureTokenCredential } from "./azure-token.ts";

/** The Key Vault resource of the cloud an authority host signs in to (public cloud by default). */
export function keyVaultResourceFor(authorityHost: string): string {
  const host = new URL(authorityHost).hostname;
  if (host.endsWith(".us")) return "https://vault.usgovcloudapi.net";
  if (host.endsWith(".cn")) return "https://vault.azure.cn";
  return "https://vault.azure.net";
}

/**
 * Microsoft Azure as an app connections can reach: a Microsoft Entra application signing in with
 * the client credentials flow (client secret) at the Microsoft identity platform. Only the tenant,
 * the client id and the authority host are ever shown back.
 */
export const azureApp: AppDescriptor<"azure"> = {
  app: App.AZURE,
  credentialsCase: "azure",
  name: "Microsoft Azure",
  providerWords: ["Azure", "Key Vault", "KeyVault", "Entra"],
  checkCredentials: checkAzureCredentials,

  methodOf(credentials: ConnectionCredentials): AuthMethod {
    return credentials.app.case === "azure" && credentials.app.value.method.case === "clientSecret"
      ? AuthMethod.AZURE_CLIENT_CREDENTIALS
      : AuthMethod.UNSPECIFIED;
  },

  redact(credentials: ConnectionCredentials): RedactedCredentials {
    if (credentials.app.case !== "azure") return create(RedactedCredentialsSchema);
    const { tenantId, clientId, authorityHost } = credentials.app.value;
    return create(RedactedCredentialsSchema, {
      app: {
        case: "azure",
        value: {
          tenantId: tenantId.trim(),
          clientId: clientId.trim(),
          authorityHost: authorityHost.trim() === "" ? "" : normaliseAuthorityHost(authorityHost),
        },
      },
    });
  },

  /** The authority host (public cloud's when empty) and the tenant, lower-cased: one directory. */
  instanceOf(view) {
    const host = view.authorityHost.trim() === "" ? "" : view.authorityHost.trim().toLowerCase().replace(/\/+$/, "");
    return `${host || normaliseAuthorityHost("")}|${view.tenantId.trim().toLowerCase()}`;
  },

  /** Proves the tenant, client id and secret by fetching a Key Vault access token (no vault is called). */
  async validateLive(credentials: ConnectionCredentials, signal?: AbortSignal, guard?: EndpointGuard): Promise<void> {
    const parsed = parseAzureCredentials(credentials);
    const credential = createAzureTokenCredential(parsed, guard ? { endpointGuard: guard } : {});
    await credential.getToken(
      `${keyVaultResourceFor(parsed.authorityHost)}/.default`,
      signal ? { abortSignal: signal } : {},
    );
  },

  docs: azureAppDocs,
};
