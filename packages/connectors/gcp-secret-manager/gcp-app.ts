import { create } from "@bufbuild/protobuf";
import {
  App,
  AuthMethod,
  RedactedCredentialsSchema,
  type ConnectionCredentials,
  type RedactedCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDescriptor, EndpointGuard } from "../contract/index.ts";
import { gcpAppDocs } from "./gcp-app-docs.ts";
import { checkGcpCredentials, gcpKeyIdentity, parseGcpCredentials } from "./gcp-credentials.ts";
import { createGcpSecretManagerClient } from "./gcp-secret-manager-client.ts";

/**
 * Google Cloud as an app connections can reach: a service-account key, exchanged for short-lived
 * access tokens. Only the endpoints, the account's email and the key's project are shown back.
 */
export const gcpApp: AppDescriptor<"gcp"> = {
  app: App.GCP,
  credentialsCase: "gcp",
  name: "Google Cloud",
  providerWords: ["Google Cloud", "GCP", "Secret Manager"],
  checkCredentials: checkGcpCredentials,

  methodOf(credentials: ConnectionCredentials): AuthMethod {
    return credentials.app.case === "gcp" && credentials.app.value.method.case === "serviceAccountKey"
      ? AuthMethod.GCP_SERVICE_ACCOUNT_KEY
      : AuthMethod.UNSPECIFIED;
  },

  redact(credentials: ConnectionCredentials): RedactedCredentials {
    if (credentials.app.case !== "gcp") return create(RedactedCredentialsSchema);
    const { apiEndpoint, tokenUri, method } = credentials.app.value;
    const identity = method.case === "serviceAccountKey" ? gcpKeyIdentity(method.value.keyJson) : undefined;
    return create(RedactedCredentialsSchema, {
      app: {
        case: "gcp",
        value: {
          apiEndpoint,
          tokenUri,
          clientEmail: identity?.clientEmail ?? "",
          projectId: identity?.projectId ?? "",
        },
      },
    });
  },

  /** The Secret Manager endpoint (lower-cased, default when empty): secret ids are per project on one endpoint. */
  instanceOf(view) {
    const endpoint = view.apiEndpoint.trim().toLowerCase().replace(/\/+$/, "");
    return endpoint || "https://secretmanager.googleapis.com";
  },

  /** Proves the key (the token exchange) and the key's project (listing one page of its secrets). */
  async validateLive(credentials: ConnectionCredentials, signal?: AbortSignal, guard?: EndpointGuard): Promise<void> {
    const parsed = parseGcpCredentials(credentials);
    const client = createGcpSecretManagerClient({
      credentials: parsed,
      ...(signal ? { signal } : {}),
      ...(guard ? { endpointGuard: guard } : {}),
    });
    await client.listSecrets(parsed.projectId, "");
  },

  docs: gcpAppDocs,
};
