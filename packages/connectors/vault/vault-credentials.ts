import type { ConnectionCredentials } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { ConnectorError, type CredentialViolation } from "../contract/index.ts";

/** Vault tokens are far shorter (service tokens ~100 chars, batch tokens a few hundred); this bounds abuse. */
export const MAX_VAULT_TOKEN_CHARS = 4096;

/** RoleIDs and SecretIDs are UUIDs by default; custom ones are bounded like this. */
export const MAX_VAULT_APPROLE_ID_CHARS = 256;
/** The AppRole auth mount when none is given. */
export const DEFAULT_VAULT_APPROLE_MOUNT = "approle";

/** How a connection authenticates: a fixed token, or an AppRole login that yields short-lived tokens. */
export type VaultAuth =
  | { readonly method: "token"; readonly token: string }
  | { readonly method: "approle"; readonly roleId: string; readonly secretId: string; readonly mount: string };

/** Decrypted Vault connection credentials, checked and normalised (no trailing slash on the address). */
export interface VaultConnectionCredentials {
  readonly instanceUrl: string;
  /** Enterprise namespace without surrounding slashes; empty for none. */
  readonly namespace: string;
  readonly auth: VaultAuth;
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
  const method = vault.method;
  if (method.case === "token") violations.push(...tokenViolations(method.value.token));
  else if (method.case === "appRole") violations.push(...appRoleViolations(method.value));
  else
    violations.push({
      field: "credentials.vault.token",
      description: "an auth method is required: a Vault token (`token`) or an AppRole (`app_role`)",
    });
  return violations;
}

/** Checked, normalised credentials; throws `ConnectorError("invalid_config")` naming every field at fault. */
export function parseVaultCredentials(credentials: ConnectionCredentials | undefined): VaultConnectionCredentials {
  const violations = checkVaultCredentials(credentials);
  const vault = credentials?.app.case === "vault" ? credentials.app.value : undefined;
  const method = vault?.method;
  if (violations.length > 0 || !vault || !method?.case) {
    throw new ConnectorError("invalid_config", violations.map((v) => `${v.field}: ${v.description}`).join("; "));
  }
  return {
    instanceUrl: vault.instanceUrl.trim().replace(/\/+$/, ""),
    namespace: vault.namespace.replace(/^\/+|\/+$/g, ""),
    auth:
      method.case === "token"
        ? { method: "token", token: method.value.token }
        : {
            method: "approle",
            roleId: method.value.roleId,
            secretId: method.value.secretId,
            mount: appRoleMountOf(method.value.mount),
          },
  };
}

/** The AppRole mount path without surrounding slashes; empty means `approle`. */
export function appRoleMountOf(mount: string): string {
  return mount.replace(/^\/+|\/+$/g, "") || DEFAULT_VAULT_APPROLE_MOUNT;
}

function tokenViolations(token: string): CredentialViolation[] {
  const field = "credentials.vault.token.token";
  if (token === "") return [{ field, description: "is required" }];
  if (token.length > MAX_VAULT_TOKEN_CHARS)
    return [{ field, description: `must be at most ${MAX_VAULT_TOKEN_CHARS} characters` }];
  if (unsafeHeaderChars.test(token))
    return [{ field, description: "must not contain whitespace or control characters" }];
  return [];
}

function appRoleViolations(appRole: { roleId: string; secretId: string; mount: string }): CredentialViolation[] {
  const violations: CredentialViolation[] = [];
  for (const [name, value] of [
    ["role_id", appRole.roleId],
    ["secret_id", appRole.secretId],
  ] as const) {
    const field = `credentials.vault.app_role.${name}`;
    if (value === "") violations.push({ field, description: "is required" });
    else if (value.length > MAX_VAULT_APPROLE_ID_CHARS)
      violations.push({ field, description: `must be at most ${MAX_VAULT_APPROLE_ID_CHARS} characters` });
    else if (unsafeHeaderChars.test(value))
      violations.push({ field, description: "must not contain whitespace or control characters" });
  }
  const mount = appRole.mount.replace(/^\/+|\/+$/g, "");
  if (
    appRole.mount.length > 128 ||
    (mount !== "" && (!/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/.test(mount) || /(^|\/)\.\.?(\/|$)/.test(mount)))
  ) {
    violations.push({
      field: "credentials.vault.app_role.mount",
      description:
        "must be an auth mount path such as `approle` or `team-a/approle` (letters, digits, '_', '-', '.', '/'; no `..`)",
    });
  }
  return violations;
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
