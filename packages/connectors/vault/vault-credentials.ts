import type { ConnectionCredentials } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { ConnectorError, type CredentialViolation } from "../contract/index.ts";

/** Vault tokens are far shorter (service tokens ~100 chars, batch tokens a few hundred); this bounds abuse. */
export const MAX_VAULT_TOKEN_CHARS = 4096;

/** Decrypted Vault connection credentials, checked and normalised (no trailing slash on the address). */
export interface VaultConnectionCredentials {
  readonly instanceUrl: string;
  /** Enterprise namespace without surrounding slashes; empty for none. */
  readonly namespace: string;
  readonly token: string;
}

const unsafeHeaderChars = /[\s\p{Cc}]/u;

/** Shape checks of Vault credentials (no I/O), each naming the request field at fault. */
export function checkVaultCredentials(credentials: ConnectionCredentials | undefined): CredentialViolation[] {
  if (credentials?.app.case !== "vault") {
    return [{ field: "credentials.vault", description: "HashiCorp Vault credentials are required" }];
  }
  const vault = credentials.app.value;
  const violations: CredentialViolation[] = [];
  const urlProblem = instanceUrlProblem(vault.instanceUrl);
  if (urlProblem) violations.push({ field: "credentials.vault.instance_url", description: urlProblem });
  const namespace = vault.namespace.replace(/^\/+|\/+$/g, "");
  if (
    unsafeHeaderChars.test(namespace) ||
    namespace.split("/").some((s) => s === "." || s === ".." || (namespace !== "" && s === ""))
  ) {
    violations.push({
      field: "credentials.vault.namespace",
      description: "must be a Vault namespace path such as `team-a` or `org/team-a`, without spaces or `..`",
    });
  }
  if (vault.method.case !== "token") {
    violations.push({
      field: "credentials.vault.token",
      description: "a Vault token is required (the only supported auth method)",
    });
  } else {
    const token = vault.method.value.token;
    if (token === "") violations.push({ field: "credentials.vault.token.token", description: "is required" });
    else if (token.length > MAX_VAULT_TOKEN_CHARS)
      violations.push({
        field: "credentials.vault.token.token",
        description: `must be at most ${MAX_VAULT_TOKEN_CHARS} characters`,
      });
    else if (unsafeHeaderChars.test(token))
      violations.push({
        field: "credentials.vault.token.token",
        description: "must not contain whitespace or control characters",
      });
  }
  return violations;
}

/** Checked, normalised credentials; throws `ConnectorError("invalid_config")` naming every field at fault. */
export function parseVaultCredentials(credentials: ConnectionCredentials | undefined): VaultConnectionCredentials {
  const violations = checkVaultCredentials(credentials);
  const vault = credentials?.app.case === "vault" ? credentials.app.value : undefined;
  if (violations.length > 0 || vault?.method.case !== "token") {
    throw new ConnectorError("invalid_config", violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  }
  return {
    instanceUrl: vault.instanceUrl.trim().replace(/\/+$/, ""),
    namespace: vault.namespace.replace(/^\/+|\/+$/g, ""),
    token: vault.method.value.token,
  };
}

function instanceUrlProblem(raw: string): string | undefined {
  const value = raw.trim();
  if (value === "") return "is required (the Vault address, e.g. https://vault.example.com:8200)";
  if (!URL.canParse(value)) return "must be an absolute URL such as https://vault.example.com:8200";
  const url = new URL(value);
  if (url.protocol !== "https:" && url.protocol !== "http:") return "must use http or https";
  if (url.username || url.password)
    return "must not contain a user name or password (put the token in credentials.vault.token)";
  if (value.includes("?") || value.includes("#")) return "must not contain a query or fragment";
  if (/\/v1\/?$/.test(url.pathname)) return "is the Vault address without the /v1 API prefix";
  return undefined;
}
