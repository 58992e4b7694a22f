import type { AccessToken as SdkAccessToken, GetTokenOptions, TokenCredential } from "@azure/identity";
import {
  abortCause,
  ConnectorError,
  createTokenCache,
  defaultEndpointGuard,
  endpointCheckOnce,
  guardedFetch,
  type EndpointGuard,
  type TokenCache,
} from "../contract/index.ts";
import type { AzureConnectionCredentials } from "./azure-credentials.ts";
import { classifyAzureFailure, type AzureCallTarget } from "./azure-errors.ts";

/** Key Vault's resources in Azure's clouds: the only scopes (`<resource>/.default`) a token is fetched for. */
export const KEY_VAULT_RESOURCES = [
  "https://vault.azure.net",
  "https://vault.azure.cn",
  "https://vault.usgovcloudapi.net",
  "https://vault.microsoftazure.de",
  "https://managedhsm.azure.net",
];

/** Deadline of a token request made without a caller's signal. */
export const DEFAULT_AZURE_TOKEN_TIMEOUT_MS = 10_000;

/** A TokenCredential for the Azure SDK whose tokens Syncline fetches and caches; `invalidate` drops them. */
export interface AzureTokenCredential extends TokenCredential {
  invalidate(): void;
}

interface CachedToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/**
 * Client credentials (client secret) against `{authorityHost}/{tenant}/oauth2/v2.0/token`. Tokens
 * are cached per scope until a minute before they expire; concurrent callers share one request.
 * Only Key Vault scopes are served, so a vault URL cannot ask for a token to another Azure API.
 * Failures are `ConnectorError`s (AADSTS codes kept, the secret never echoed).
 */
export function createAzureTokenCredential(
  credentials: AzureConnectionCredentials,
  options: {
    readonly endpointGuard?: EndpointGuard;
    readonly timeoutMs?: number;
    /** The signal of the call a token is fetched for when the SDK passes none (the client's gate). */
    readonly currentSignal?: () => AbortSignal | undefined;
  } = {},
): AzureTokenCredential {
  const url = `${credentials.authorityHost}/${encodeURIComponent(credentials.tenantId)}/oauth2/v2.0/token`;
  const checkEndpoint = endpointCheckOnce(options.endpointGuard, credentials.authorityHost);
  const fetchThroughGuard = guardedFetch(options.endpointGuard ?? defaultEndpointGuard());
  const caches = new Map<string, TokenCache<CachedToken>>();
  const target: AzureCallTarget = { operation: "token", endpoint: credentials.authorityHost };

  async function fetchToken(scope: string, signal: AbortSignal): Promise<CachedToken> {
    await checkEndpoint();
    const fail = (failure: Parameters<typeof classifyAzureFailure>[0]) =>
      classifyAzureFailure(failure, target, [credentials.clientSecret]);
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const response = await fetchThroughGuard(url, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: credentials.clientId,
          client_secret: credentials.clientSecret,
          scope,
        }),
        redirect: "manual",
        signal,
      });
      status = response.status;
      retryAfter = response.headers.get("retry-after");
      text = await response.text();
    } catch (error) {
      if (signal.aborted) throw fail(abortCause(signal));
      throw fail({ kind: "network", cause: error });
    }
    const body = parseObject(text);
    if (status === 200 && typeof body.access_token === "string") {
      const seconds = typeof body.expires_in === "number" ? body.expires_in : Number(body.expires_in ?? 0);
      return { token: body.access_token, expiresAt: new Date(Date.now() + Math.max(0, seconds) * 1000) };
    }
    const description = typeof body.error_description === "string" ? body.error_description : "";
    throw fail({
      kind: "response",
      status: status === 200 ? 502 : status,
      code: typeof body.error === "string" ? body.error : "",
      innerCode: /AADSTS\d+/.exec(description)?.[0] ?? "",
      message: description.replace(/\s*Trace ID:[\s\S]*$/, ""),
      retryAfter,
    });
  }

  return {
    async getToken(scopes: string | string[], tokenOptions?: GetTokenOptions): Promise<SdkAccessToken> {
      const scope = [scopes].flat()[0] ?? "";
      if (!KEY_VAULT_RESOURCES.some((resource) => scope === `${resource}/.default`)) {
        throw new ConnectorError(
          "invalid_config",
          "the vault asked for a token to a resource that is not Key Vault: check destination_config.azure_key_vault.vault_url",
        );
      }
      let cache = caches.get(scope);
      if (!cache) {
        cache = createTokenCache((signal) =>
          fetchToken(scope, signal ?? AbortSignal.timeout(options.timeoutMs ?? DEFAULT_AZURE_TOKEN_TIMEOUT_MS)),
        );
        caches.set(scope, cache);
      }
      const signal = (tokenOptions?.abortSignal as AbortSignal | undefined) ?? options.currentSignal?.();
      const token = await cache.get(signal);
      return { token: token.token, expiresOnTimestamp: token.expiresAt.getTime(), tokenType: "Bearer" };
    },
    invalidate() {
      for (const cache of caches.values()) cache.invalidate();
    },
  };
}

function parseObject(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
