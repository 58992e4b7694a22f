/**
 * Capped exponential backoff with jitter, the one retry-delay rule of Syncline (the worker's
 * failure policy and the orchestrator's reconciler both use it).
 */
export interface Backoff {
  /** The first delay (attempt 1). */
  readonly baseMs: number;
  /** No delay is longer. */
  readonly maxMs: number;
  /** Spread around the delay as a fraction: 0.2 gives ±20 %, so failures of one outage do not return together. */
  readonly jitter: number;
  /** No delay is shorter (after jitter); default 0. */
  readonly minMs?: number;
}

/**
 * Delay before attempt `attempt` (1 for the first): `baseMs` · 2^(attempt−1), capped at `maxMs`,
 * spread by ±`jitter` (`random` in [0, 1); 0.5 means none), kept within [`minMs`, `maxMs`].
 */
export function backoffDelayMs(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const exponent = Math.min(Math.max(0, attempt - 1), 40);
  const base = Math.min(backoff.maxMs, backoff.baseMs * 2 ** exponent);
  const spread = base * (1 - backoff.jitter + random() * 2 * backoff.jitter);
  return Math.round(Math.min(backoff.maxMs, Math.max(backoff.minMs ?? 0, spread)));
}
