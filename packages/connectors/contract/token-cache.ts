import { ConnectorError } from "./connector-error.ts";

/** A short-lived access token and when it stops being valid. */
export interface AccessToken {
  readonly token: string;
  readonly expiresAt: Date;
}

/**
 * Caches a short-lived token (STS credentials, an OAuth access token, a Vault AppRole login) until
 * shortly before it expires; concurrent callers share one fetch. `invalidate` drops it, e.g. after
 * the provider refused it.
 */
export interface TokenCache<T extends AccessToken = AccessToken> {
  get(signal?: AbortSignal): Promise<T>;
  invalidate(): void;
}

export function createTokenCache<T extends AccessToken>(
  fetchToken: (signal?: AbortSignal) => Promise<T>,
  options: { refreshBeforeMs?: number; now?: () => number } = {},
): TokenCache<T> {
  const refreshBeforeMs = options.refreshBeforeMs ?? 60_000;
  const now = options.now ?? Date.now;
  let cached: T | undefined;
  let inFlight: Promise<T> | undefined;
  return {
    async get(signal) {
      if (cached && cached.expiresAt.getTime() - refreshBeforeMs > now()) return cached;
      inFlight ??= fetchToken(signal).then(
        (token) => {
          cached = token;
          inFlight = undefined;
          return token;
        },
        (error: unknown) => {
          inFlight = undefined;
          throw error;
        },
      );
      return inFlight;
    },
    invalidate() {
      cached = undefined;
    },
  };
}

/**
 * Runs `call` with a cached token; when the provider answers `auth` (the token expired early or
 * was revoked), drops the token and tries once more with a fresh one. A second `auth` is final.
 */
export async function withTokenRefresh<T extends AccessToken, R>(
  cache: TokenCache<T>,
  call: (token: T) => Promise<R>,
  signal?: AbortSignal,
): Promise<R> {
  try {
    return await call(await cache.get(signal));
  } catch (error) {
    if (!(error instanceof ConnectorError) || error.kind !== "auth") throw error;
    cache.invalidate();
    return call(await cache.get(signal));
  }
}
