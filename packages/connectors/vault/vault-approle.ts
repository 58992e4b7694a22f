import { createHash } from "node:crypto";
import { ConnectorError, createTokenCache, type AccessToken, type TokenCache } from "../contract/index.ts";

/** At most this long before its lease ends a client token is replaced by a fresh login. */
export const APPROLE_REFRESH_BEFORE_MS = 60_000;
const LATEST_DATE_MS = 8.64e15;

/**
 * The client token of an AppRole login answer (`auth.client_token`, `auth.lease_duration` in
 * seconds), with `expiresAt` set to when Syncline stops using it: a tenth of the lease (at most a
 * minute) before the lease ends, so a call never starts with a token about to expire. A lease of 0
 * (a token without TTL) is used until Vault refuses it.
 */
export function appRoleToken(json: Record<string, unknown> | undefined, issuedAt: number): AccessToken {
  const auth = json?.auth;
  const fields = auth !== null && typeof auth === "object" ? (auth as Record<string, unknown>) : {};
  const token = fields.client_token;
  const leaseSeconds = typeof fields.lease_duration === "number" ? fields.lease_duration : 0;
  if (typeof token !== "string" || token === "") {
    throw new ConnectorError(
      "invalid_config",
      "Vault answered the AppRole login without a client token: check credentials.vault.app_role.mount names an AppRole auth mount",
    );
  }
  const leaseMs = leaseSeconds * 1000;
  const expiresAt =
    leaseMs > 0 ? issuedAt + leaseMs - Math.min(APPROLE_REFRESH_BEFORE_MS, leaseMs / 10) : LATEST_DATE_MS;
  return { token, expiresAt: new Date(expiresAt) };
}

/** Client tokens shared by every client of one AppRole login in this process, by a digest of who logs in where. */
const sharedTokens = new Map<string, AccessToken>();
const MAX_SHARED_TOKENS = 1000;

/** Who logs in where: the digest keys the shared tokens, so no credential is kept as a key. */
export interface AppRoleLogin {
  readonly instanceUrl: string;
  readonly namespace: string;
  readonly mount: string;
  readonly roleId: string;
  readonly secretId: string;
}

/**
 * The token cache of one client (`createTokenCache`, shared fetches) over a process-wide store:
 * the runs of one connection reuse a client token until shortly before its lease ends instead of
 * logging in per run. `invalidate` (Vault refused the token) drops it for every client.
 */
export function appRoleTokenCache(
  who: AppRoleLogin,
  login: (signal?: AbortSignal) => Promise<AccessToken>,
  now: () => number,
): TokenCache {
  const key = createHash("sha256")
    .update(JSON.stringify([who.instanceUrl, who.namespace, who.mount, who.roleId, who.secretId]))
    .digest("hex");
  const cache = createTokenCache(
    async (signal) => {
      const shared = sharedTokens.get(key);
      if (shared && shared.expiresAt.getTime() > now()) return shared;
      const token = await login(signal);
      if (sharedTokens.size >= MAX_SHARED_TOKENS) sharedTokens.delete(sharedTokens.keys().next().value!);
      sharedTokens.set(key, token);
      return token;
    },
    { refreshBeforeMs: 0, now },
  );
  return {
    get: (signal) => cache.get(signal),
    invalidate() {
      cache.invalidate();
      sharedTokens.delete(key);
    },
  };
}
