import { backoffDelayMs } from "@syncline/errors";

/**
 * When the reconciler runs a failed sync again (docs/architecture.md, Propagation rules:
 * "Reconciler"). Failures that time can cure are retried with capped exponential backoff until the sync succeeds; failures that need a
 * person (credentials refused, invalid config, limits, something missing, unsupported) are not.
 */

/** Failure kinds the reconciler retries; an empty kind (a worker that does not report one) counts as transient. */
const RECONCILABLE = new Set(["", "transient", "breaker_open", "rate_limited", "conflict", "lease_lost"]);

/** Backoff of reconciler retries: the first after `baseMs`, doubling, never longer than `maxMs`. */
export interface ReconcileBackoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

/** Does a run that failed with `kind` get run again by the reconciler? */
export function isReconcilable(kind: string): boolean {
  return RECONCILABLE.has(kind);
}

/**
 * Delay before reconciler retry number `retry` (1 for the first): base · 2^(retry−1), capped at
 * `maxMs`, with ±10 % jitter (`random` in [0, 1), 0.5 = none) so syncs failed by one outage do not
 * all come back in the same second. Never below 1 s nor above the cap.
 */
export function reconcileDelayMs(retry: number, backoff: ReconcileBackoff, random: () => number = Math.random): number {
  return backoffDelayMs(retry, { ...backoff, jitter: 0.1, minMs: 1000 }, random);
}

/** The status message of a failed run the reconciler will run again: the worker's message, then when. */
export function retryMessage(message: string, at: Date): string {
  return `${message}; will retry at ${at.toISOString()}`;
}
