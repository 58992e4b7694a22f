import { createHash } from "node:crypto";
import type { IdentityVerifier, VerifiedIdentity } from "./identity-verifier.ts";

/** Settings of the in-process token cache. */
export interface TokenCacheOptions {
  /**
   * How long an answer is reused (`SYNCLINE_TOKEN_CACHE_TTL_MS`): the bound within which a revoked
   * token, a deleted identity or a changed role takes effect. 0 disables the cache.
   */
  readonly ttlMs: number;
  /** How long a refusal is reused; default the smaller of `ttlMs` and one second. */
  readonly negativeTtlMs?: number;
  /** Entries kept; the least recently used goes first. */
  readonly maxEntries: number;
  /** The clock (epoch milliseconds); tests inject one. */
  readonly now?: () => number;
  /** Told whether each lookup was answered from the cache (a metric; never the token). */
  readonly onLookup?: (outcome: "hit" | "miss") => void;
}

interface Entry {
  readonly answer: VerifiedIdentity | undefined;
  readonly validUntil: number;
}

/**
 * Wraps `verifier` in an LRU cache of token digest → answer. A cached identity is still refused
 * once its token expires (checked on every hit); refusals are cached for a shorter time; concurrent
 * lookups of one token share one verification. Failures of the verifier (e.g. the secrets service
 * unreachable) are not cached.
 */
export function createCachedVerifier(verifier: IdentityVerifier, options: TokenCacheOptions): IdentityVerifier {
  if (options.ttlMs <= 0) return verifier;
  const now = options.now ?? Date.now;
  const negativeTtlMs = options.negativeTtlMs ?? Math.min(options.ttlMs, 1000);
  const entries = new Map<string, Entry>();
  const inFlight = new Map<string, Promise<VerifiedIdentity | undefined>>();

  /** Expiry is checked on every answer, cached or fresh, against this process's clock. */
  const live = (answer: VerifiedIdentity | undefined) => (answer && now() < answer.expiresAt ? answer : undefined);
  const remember = (key: string, answer: VerifiedIdentity | undefined) => {
    const at = now();
    const validUntil = answer ? Math.min(at + options.ttlMs, answer.expiresAt) : at + negativeTtlMs;
    entries.delete(key);
    entries.set(key, { answer, validUntil });
    while (entries.size > options.maxEntries) entries.delete(entries.keys().next().value as string);
  };

  return {
    async verify(token, signal) {
      const key = createHash("sha256").update(token, "utf8").digest("base64url");
      const entry = entries.get(key);
      if (entry && now() < entry.validUntil) {
        options.onLookup?.("hit");
        entries.delete(key);
        entries.set(key, entry);
        return live(entry.answer);
      }
      if (entry) entries.delete(key);
      options.onLookup?.("miss");
      const pending = inFlight.get(key);
      if (pending) return pending;
      const lookup = verifier
        .verify(token, signal)
        .then((answer) => {
          remember(key, answer);
          return live(answer);
        })
        .finally(() => inFlight.delete(key));
      inFlight.set(key, lookup);
      return lookup;
    },
  };
}
