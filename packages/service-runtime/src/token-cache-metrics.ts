import type { MetricsRegistry } from "@syncline/telemetry";

/**
 * Counts identity-token lookups by whether the in-process cache answered them, as
 * `syncline_token_cache_lookups_total{outcome="hit"|"miss"}` — the `onLookup` of the token cache.
 * The only label is the outcome: never a token, digest or identity.
 */
export function tokenCacheMetrics(registry: MetricsRegistry): (outcome: "hit" | "miss") => void {
  const lookups = registry.counter(
    "syncline_token_cache_lookups_total",
    "Identity token lookups, by whether the in-process token cache answered them (hit) or the verifier was asked (miss).",
    ["outcome"],
  );
  return (outcome) => lookups.inc({ outcome });
}
