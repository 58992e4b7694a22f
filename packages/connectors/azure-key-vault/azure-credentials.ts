import type { ConnectionCredentials } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { ConnectorError, type CredentialViolation } from "../contract/index.ts";

/** The Microsoft identity platform of Azure's public cloud. */
export const DEFAULT_AZURE_AUTHORITY_HOST = "https://login.microsoftonline.com";
/** Client secrets Entra ID issues are ~40 characters; this bounds abuse. */
export const MAX_AZURE_CLIENT_SECRET_CHARS = 1024;

/** Decrypted Azure connection credentials, checked and normalised. */
export interface AzureConnectionCredentials {
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** `https://host[:port]` without a trailing slash; the public cloud's when the connection left it empty. */
  readonly authorityHost: string;
}

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const tenantPattern = /^[A-Za-z0-9][A-Za-z0-9.-]{0,255}$/;
const printableAscii = /^[ -~]+$/;

/** Shape checks of Azure credentials (no I/O), each naming the request field at fault. */
export function checkAzureCredentials(credentials: ConnectionCredentials | undefined): CredentialViolation[] {
  if (credentials?.app.case !== "azure") {
    return [{ field: "credentials.azure", description: "Azure credentials are required" }];
  }
  const azure = credentials.app.value;
  const violations: CredentialViolation[] = [];
  const tenant = azure.tenantId.trim();
  if (tenant === "") violations.push({ field: "credentials.azure.tenant_id", description: "is required" });
  else if (!tenantPattern.test(tenant))
    violations.push({
      field: "credentials.azure.tenant_id",
      description: "must be a tenant GUID or domain (letters, digits, `-` and `.`, at most 256)",
    });
  const client = azure.clientId.trim();
  if (client === "") violations.push({ field: "credentials.azure.client_id", description: "is required" });
  else if (!guid.test(client))
    violations.push({
      field: "credentials.azure.client_id",
      description: "must be the application (client) id, a GUID",
    });
  const hostProblem = authorityHostProblem(azure.authorityHost);
  if (hostProblem) violations.push({ field: "credentials.azure.authority_host", description: hostProblem });
  if (azure.method.case !== "clientSecret") {
    violations.push({
      field: "credentials.azure.client_secret",
      description: "a client secret is required (the only supported auth method)",
    });
  } else {
    const secret = azure.method.value.clientSecret;
    const field = "credentials.azure.client_secret.client_secret";
    if (secret === "") violations.push({ field, description: "is required" });
    else if (secret.length > MAX_AZURE_CLIENT_SECRET_CHARS)
      violations.push({ field, description: `must be at most ${MAX_AZURE_CLIENT_SECRET_CHARS} characters` });
    else if (!printableAscii.test(secret)) violations.push({ field, description: "must be printable ASCII" });
  }
  return violations;
}

/** Checked, normalised credentials; throws `ConnectorError("invalid_config")` naming every field at fault. */
export function parseAzureCredentials(credentials: ConnectionCredentials | undefined): AzureConnectionCredentials {
  const violations = checkAzureCredentials(credentials);
  const azure = credentials?.app.case === "azure" ? credentials.app.value : undefined;
  if (violations.length > 0 || azure?.method.case !== "clientSecret") {
    throw new ConnectorError("invalid_config", violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  }
  return {
    tenantId: azure.tenantId.trim(),
    clientId: azure.clientId.trim().toLowerCase(),
    clientSecret: azure.method.value.clientSecret,
    authorityHost: normaliseAuthorityHost(azure.authorityHost),
  };
}

/** The authority host as `https://host[:port]` (lower-cased, no trailing slash); empty means the public cloud. */
export function normaliseAuthorityHost(raw: string): string {
  const value = raw.trim();
  return value === "" ? DEFAULT_AZURE_AUTHORITY_HOST : new URL(value).origin;
}

function authorityHostProblem(raw: string): string | undefined {
  const value = raw.trim();
  if (value === "") return undefined;
  const example = "such as https://login.microsoftonline.com";
  if (!URL.canParse(value)) return `must be an absolute https URL ${example}`;
  const url = new URL(value);
  if (url.protocol !== "https:") return `must use https (${example.slice(8)})`;
  if (url.username || url.password) return "must not contain a user name or password";
  if (url.pathname !== "/" || value.includes("?") || value.includes("#"))
    return `must be the host only, without path, query or fragment (${example.slice(8)})`;
  return undefined;
}
