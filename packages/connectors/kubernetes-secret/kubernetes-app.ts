import { create } from "@bufbuild/protobuf";
import {
  App,
  AuthMethod,
  RedactedCredentialsSchema,
  type ConnectionCredentials,
  type RedactedCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { ConnectorError, type AppDescriptor, type EndpointGuard } from "../contract/index.ts";
import { kubernetesAppDocs } from "./kubernetes-app-docs.ts";
import { createKubernetesClient } from "./kubernetes-client.ts";
import { checkKubernetesCredentials, parseKubernetesCredentials } from "./kubernetes-credentials.ts";

/**
 * A Kubernetes cluster as an app connections can reach: a service-account bearer token against an
 * API server URL, trusting the given CA bundle. Only the URL and the CA bundle are shown back.
 */
export const kubernetesApp: AppDescriptor<"kubernetes"> = {
  app: App.KUBERNETES,
  credentialsCase: "kubernetes",
  name: "Kubernetes",
  providerWords: ["Kubernetes"],
  checkCredentials: checkKubernetesCredentials,

  methodOf(credentials: ConnectionCredentials): AuthMethod {
    return credentials.app.case === "kubernetes" && credentials.app.value.method.case === "serviceAccountToken"
      ? AuthMethod.KUBERNETES_SERVICE_ACCOUNT_TOKEN
      : AuthMethod.UNSPECIFIED;
  },

  redact(credentials: ConnectionCredentials): RedactedCredentials {
    if (credentials.app.case !== "kubernetes") return create(RedactedCredentialsSchema);
    const { apiServerUrl, caBundle } = credentials.app.value;
    return create(RedactedCredentialsSchema, { app: { case: "kubernetes", value: { apiServerUrl, caBundle } } });
  },

  /** The API server URL, lower-cased, without a trailing slash: one cluster. */
  instanceOf(view) {
    return view.apiServerUrl.trim().toLowerCase().replace(/\/+$/, "");
  },

  /**
   * Proves the connection in three steps, each failure saying what failed: `GET /version` (network
   * or TLS: `transient`, naming api_server_url and ca_bundle), a SelfSubjectAccessReview (the token:
   * `auth` on 401, and on 403 the permission to create access reviews).
   */
  async validateLive(credentials: ConnectionCredentials, signal?: AbortSignal, guard?: EndpointGuard): Promise<void> {
    const parsed = parseKubernetesCredentials(credentials);
    const client = createKubernetesClient({
      ...parsed,
      ...(signal ? { signal } : {}),
      ...(guard ? { endpointGuard: guard } : {}),
    });
    await client.serverVersion();
    try {
      await client.mayAccessSecrets("get", "default");
    } catch (error) {
      if (error instanceof ConnectorError && error.kind === "not_found") {
        throw new ConnectorError(
          "invalid_config",
          "the server at credentials.kubernetes.api_server_url answers /version but has no SelfSubjectAccessReview API: check it is a Kubernetes API server",
        );
      }
      throw error;
    }
  },

  docs: kubernetesAppDocs,
};
