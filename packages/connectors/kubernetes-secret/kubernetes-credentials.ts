import { X509Certificate } from "node:crypto";
import type { ConnectionCredentials } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { ConnectorError, type CredentialViolation } from "../contract/index.ts";

/** Service-account tokens are JWTs of about 1 KB; this bounds abuse. */
export const MAX_KUBERNETES_TOKEN_CHARS = 16_384;
/** A CA bundle of a few certificates fits easily. */
export const MAX_KUBERNETES_CA_BUNDLE_CHARS = 65_536;

/** Decrypted Kubernetes connection credentials, checked and normalised (no trailing slash on the URL). */
export interface KubernetesConnectionCredentials {
  readonly apiServerUrl: string;
  /** PEM certificates to trust for the API server; empty: the public CAs. */
  readonly caBundle: string;
  readonly token: string;
}

const pemBlock = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/** Shape checks of Kubernetes credentials (no I/O), each naming the request field at fault. */
export function checkKubernetesCredentials(credentials: ConnectionCredentials | undefined): CredentialViolation[] {
  if (credentials?.app.case !== "kubernetes") {
    return [{ field: "credentials.kubernetes", description: "Kubernetes credentials are required" }];
  }
  const k8s = credentials.app.value;
  const violations: CredentialViolation[] = [];
  const urlProblem = apiServerUrlProblem(k8s.apiServerUrl);
  if (urlProblem) violations.push({ field: "credentials.kubernetes.api_server_url", description: urlProblem });
  const caProblem = caBundleProblem(k8s.caBundle);
  if (caProblem) violations.push({ field: "credentials.kubernetes.ca_bundle", description: caProblem });
  if (k8s.method.case !== "serviceAccountToken") {
    violations.push({
      field: "credentials.kubernetes.service_account_token",
      description: "a service-account token is required (the only supported auth method)",
    });
  } else {
    const token = k8s.method.value.token;
    const field = "credentials.kubernetes.service_account_token.token";
    if (token === "") violations.push({ field, description: "is required" });
    else if (token.length > MAX_KUBERNETES_TOKEN_CHARS)
      violations.push({ field, description: `must be at most ${MAX_KUBERNETES_TOKEN_CHARS} characters` });
    else if (!/^[!-~]+$/.test(token)) violations.push({ field, description: "must be printable ASCII without spaces" });
  }
  return violations;
}

/** Checked, normalised credentials; throws `ConnectorError("invalid_config")` naming every field at fault. */
export function parseKubernetesCredentials(
  credentials: ConnectionCredentials | undefined,
): KubernetesConnectionCredentials {
  const violations = checkKubernetesCredentials(credentials);
  const k8s = credentials?.app.case === "kubernetes" ? credentials.app.value : undefined;
  if (violations.length > 0 || k8s?.method.case !== "serviceAccountToken") {
    throw new ConnectorError("invalid_config", violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  }
  return {
    apiServerUrl: k8s.apiServerUrl.trim().replace(/\/+$/, ""),
    caBundle: k8s.caBundle.trim(),
    token: k8s.method.value.token,
  };
}

function apiServerUrlProblem(raw: string): string | undefined {
  const value = raw.trim();
  if (value === "") return "is required (the API server, e.g. https://k8s.example.com:6443)";
  if (!URL.canParse(value)) return "must be an absolute URL such as https://k8s.example.com:6443";
  const url = new URL(value);
  if (url.protocol !== "https:") return "must use https";
  if (url.username || url.password) return "must not contain a user name or password";
  if (value.includes("?") || value.includes("#")) return "must not contain a query or fragment";
  return undefined;
}

function caBundleProblem(raw: string): string | undefined {
  const value = raw.trim();
  if (value === "") return undefined;
  if (value.length > MAX_KUBERNETES_CA_BUNDLE_CHARS)
    return `must be at most ${MAX_KUBERNETES_CA_BUNDLE_CHARS} characters`;
  const blocks = value.match(pemBlock) ?? [];
  if (blocks.length === 0) return "must be PEM certificates (-----BEGIN CERTIFICATE----- …)";
  for (const [index, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return `certificate ${index + 1} of the bundle is not a readable X.509 certificate`;
    }
  }
  return undefined;
}
