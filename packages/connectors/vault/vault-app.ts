import { create } from "@bufbuild/protobuf";
import {
  App,
  AuthMethod,
  RedactedCredentialsSchema,
  type ConnectionCredentials,
  type RedactedCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDescriptor, EndpointGuard } from "../contract/index.ts";
import { vaultAppDocs } from "./vault-app-docs.ts";
import { createVaultClient } from "./vault-client.ts";
import { checkVaultCredentials, parseVaultCredentials } from "./vault-credentials.ts";

/**
 * HashiCorp Vault as an app connections can reach: token or AppRole auth against an instance URL
 * and an optional Enterprise namespace. Only the address and namespace are ever shown back.
 */
export const vaultApp: AppDescriptor<"vault"> = {
  app: App.HASHICORP_VAULT,
  credentialsCase: "vault",
  name: "HashiCorp Vault",
  providerWords: ["HashiCorp", "Vault"],
  checkCredentials: checkVaultCredentials,

  methodOf(credentials: ConnectionCredentials): AuthMethod {
    if (credentials.app.case !== "vault") return AuthMethod.UNSPECIFIED;
    switch (credentials.app.value.method.case) {
      case "token":
        return AuthMethod.VAULT_TOKEN;
      case "appRole":
        return AuthMethod.VAULT_APPROLE;
      default:
        return AuthMethod.UNSPECIFIED;
    }
  },

  redact(credentials: ConnectionCredentials): RedactedCredentials {
    if (credentials.app.case !== "vault") return create(RedactedCredentialsSchema);
    const { instanceUrl, namespace } = credentials.app.value;
    return create(RedactedCredentialsSchema, { app: { case: "vault", value: { instanceUrl, namespace } } });
  },

  /** The address (lower-cased, no trailing slash) and the namespace: one Vault server and namespace. */
  instanceOf(view) {
    const address = view.instanceUrl.trim().toLowerCase().replace(/\/+$/, "");
    return `${address}|${view.namespace.trim().replace(/^\/+|\/+$/g, "")}`;
  },

  /**
   * Proves the credentials live with `auth/token/lookup-self`, which every token may call (AppRole:
   * after logging in). The error says what failed: the AppRole login, the token's permission, or the network.
   */
  async validateLive(credentials: ConnectionCredentials, signal?: AbortSignal, guard?: EndpointGuard): Promise<void> {
    const parsed = parseVaultCredentials(credentials);
    await createVaultClient({
      ...parsed,
      ...(signal ? { signal } : {}),
      ...(guard ? { endpointGuard: guard } : {}),
    }).lookupSelf();
  },

  docs: vaultAppDocs,
};
