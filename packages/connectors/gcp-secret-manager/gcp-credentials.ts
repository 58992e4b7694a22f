import type { ConnectionCredentials } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { ConnectorError, type CredentialViolation } from "../contract/index.ts";

/** Google's public Secret Manager endpoint. */
export const DEFAULT_GCP_API_ENDPOINT = "https://secretmanager.googleapis.com";
/** Google's OAuth token endpoint, used when a key names none. */
export const DEFAULT_GCP_TOKEN_URI = "https://oauth2.googleapis.com/token";
/** A key file is about 2.3 KB; this bounds abuse. */
export const MAX_GCP_KEY_JSON_CHARS = 16_384;

/** Decrypted GCP credentials, checked: the service account key and the endpoints to use. */
export interface GcpConnectionCredentials {
  /** Secret Manager endpoint URL (origin only). */
  readonly apiEndpoint: string;
  /** Where the signed JWT is exchanged for an access token. */
  readonly tokenUri: string;
  readonly clientEmail: string;
  readonly privateKey: string;
  readonly privateKeyId: string;
  /** The key's own project (the destination names the project it writes). */
  readonly projectId: string;
}

/** The non-secret fields of a service-account key, for the redacted view. */
export interface GcpKeyIdentity {
  readonly clientEmail: string;
  readonly projectId: string;
  readonly tokenUri: string;
}

const keyField = "credentials.gcp.service_account_key.key_json";

/** Shape checks of GCP credentials (no I/O), each naming the request field at fault; never echoes the key. */
export function checkGcpCredentials(credentials: ConnectionCredentials | undefined): CredentialViolation[] {
  if (credentials?.app.case !== "gcp") {
    return [{ field: "credentials.gcp", description: "Google Cloud credentials are required" }];
  }
  const gcp = credentials.app.value;
  const violations: CredentialViolation[] = [];
  const endpointProblem = urlProblem(gcp.apiEndpoint, true);
  if (endpointProblem) violations.push({ field: "credentials.gcp.api_endpoint", description: endpointProblem });
  const tokenProblem = urlProblem(gcp.tokenUri, false);
  if (tokenProblem) violations.push({ field: "credentials.gcp.token_uri", description: tokenProblem });
  if (gcp.method.case !== "serviceAccountKey") {
    violations.push({
      field: "credentials.gcp.service_account_key",
      description: "a service-account key is required (the only supported auth method)",
    });
    return violations;
  }
  const key = readKey(gcp.method.value.keyJson);
  if (typeof key === "string") violations.push({ field: keyField, description: key });
  else if (gcp.tokenUri.trim() === "" && urlProblem(key.tokenUri, false))
    violations.push({ field: keyField, description: "its token_uri must be an https URL (http only for localhost)" });
  return violations;
}

/** Checked credentials; throws `ConnectorError("invalid_config")` naming every field at fault. */
export function parseGcpCredentials(credentials: ConnectionCredentials | undefined): GcpConnectionCredentials {
  const violations = checkGcpCredentials(credentials);
  const gcp = credentials?.app.case === "gcp" ? credentials.app.value : undefined;
  const key = gcp?.method.case === "serviceAccountKey" ? readKey(gcp.method.value.keyJson) : undefined;
  if (violations.length > 0 || !gcp || key === undefined || typeof key === "string") {
    throw new ConnectorError("invalid_config", violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  }
  return {
    apiEndpoint: origin(gcp.apiEndpoint) || DEFAULT_GCP_API_ENDPOINT,
    tokenUri: gcp.tokenUri.trim() || key.tokenUri,
    clientEmail: key.clientEmail,
    privateKey: key.privateKey,
    privateKeyId: key.privateKeyId,
    projectId: key.projectId,
  };
}

/** The key's identity (never its private key), or undefined when the key JSON cannot be read. */
export function gcpKeyIdentity(keyJson: string): GcpKeyIdentity | undefined {
  const key = readKey(keyJson);
  return typeof key === "string" ? undefined : key;
}

interface ServiceAccountKey extends GcpKeyIdentity {
  readonly privateKey: string;
  readonly privateKeyId: string;
}

/** Reads a key file; returns what is wrong in words (never its content) when it is not a usable key. */
function readKey(keyJson: string): ServiceAccountKey | string {
  if (keyJson.trim() === "") return "is required (the service-account key file's JSON)";
  if (keyJson.length > MAX_GCP_KEY_JSON_CHARS) return `must be at most ${MAX_GCP_KEY_JSON_CHARS} characters`;
  let parsed: Record<string, unknown>;
  try {
    const value: unknown = JSON.parse(keyJson);
    if (value === null || typeof value !== "object" || Array.isArray(value)) return "must be a JSON object";
    parsed = value as Record<string, unknown>;
  } catch {
    return "must be the JSON of a service-account key file";
  }
  if (parsed.type !== "service_account") return 'must be a service-account key ("type": "service_account")';
  const text = (name: string) => (typeof parsed[name] === "string" ? (parsed[name] as string).trim() : "");
  const missing = ["client_email", "private_key", "project_id"].filter((name) => text(name) === "");
  if (missing.length > 0) return `is missing ${missing.join(", ")}`;
  if (!/^[^@\s]+@[^@\s]+$/.test(text("client_email"))) return "its client_email is not an email address";
  if (!/^-----BEGIN (RSA )?PRIVATE KEY-----[\s\S]+-----END (RSA )?PRIVATE KEY-----$/.test(text("private_key")))
    return "its private_key is not a PEM private key";
  return {
    clientEmail: text("client_email"),
    projectId: text("project_id"),
    tokenUri: text("token_uri") || DEFAULT_GCP_TOKEN_URI,
    privateKey: text("private_key"),
    privateKeyId: text("private_key_id"),
  };
}

function urlProblem(raw: string, originOnly: boolean): string | undefined {
  const value = raw.trim();
  if (value === "") return undefined;
  if (!URL.canParse(value)) return "must be an absolute URL such as https://secretmanager.googleapis.com";
  const url = new URL(value);
  const loopback = ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
    return "must use https (http only for localhost)";
  if (url.username || url.password) return "must not contain a user name or password";
  if (value.includes("?") || value.includes("#")) return "must not contain a query or fragment";
  if (originOnly && url.pathname !== "/")
    return "must be an origin without a path, e.g. https://secretmanager.googleapis.com";
  return undefined;
}

function origin(raw: string): string {
  const value = raw.trim();
  return value === "" ? "" : new URL(value).origin;
}
