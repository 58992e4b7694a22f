import { create } from "@bufbuild/protobuf";
import { AuthMethod, ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { AppDocs } from "../contract/index.ts";
import { MAX_KUBERNETES_CA_BUNDLE_CHARS, MAX_KUBERNETES_TOKEN_CHARS } from "./kubernetes-credentials.ts";

/** The credentials part of the Kubernetes docs page. */
export const kubernetesAppDocs: AppDocs = {
  summary:
    "A connection reaches one cluster's API server with a service-account bearer token, trusting the cluster's CA " +
    "bundle. Creating or changing it calls `GET /version` (proves the URL and the CA bundle: a failure there is a " +
    "network or TLS problem) and a SelfSubjectAccessReview (proves the token: 401 is an authentication failure, " +
    "403 a missing permission). Only the API server URL and the CA bundle are ever shown back. An address that " +
    "is or resolves to an internal network (loopback, private, link-local, …) is refused unless " +
    "`SYNCLINE_ENDPOINT_ALLOWLIST` allows it.",
  authMethods: [
    {
      method: AuthMethod.KUBERNETES_SERVICE_ACCOUNT_TOKEN,
      description:
        "A service-account token (`kubectl create token <sa> --duration=…`, or a `kubernetes.io/service-account-token` " +
        "Secret) whose Role allows get, create, update and delete on secrets in the syncs' namespaces.",
      fields: [
        {
          name: "credentials.kubernetes.service_account_token.token",
          description: `The bearer token, at most ${MAX_KUBERNETES_TOKEN_CHARS} printable ASCII characters without spaces.`,
          required: true,
          secret: true,
        },
      ],
    },
  ],
  credentialFields: [
    {
      name: "credentials.kubernetes.api_server_url",
      description:
        "The API server, https, e.g. `https://k8s.example.com:6443`: no user name, password, query or fragment.",
      required: true,
      secret: false,
    },
    {
      name: "credentials.kubernetes.ca_bundle",
      description: `PEM certificates the API server's certificate must chain to (a kubeconfig's \`certificate-authority-data\`, base64-decoded), at most ${MAX_KUBERNETES_CA_BUNDLE_CHARS} characters; empty trusts the public CAs only.`,
      required: false,
      secret: false,
    },
  ],
  exampleCredentials: create(ConnectionCredentialsSchema, {
    app: {
      case: "kubernetes",
      value: {
        apiServerUrl: "https://k8s.example.com:6443",
        caBundle: "",
        method: { case: "serviceAccountToken", value: { token: "eyJhbGciOiJSUzI1NiJ9.example-token" } },
      },
    },
  }),
};
