/**
 * Rates of faults decided at random for each request a fake receives (chaos testing). Each rate is a
 * probability in [0, 1]; their sum must not exceed 1. A request that draws a fault has no effect.
 */
export interface RandomFaultRates {
  /** Share of requests answered with a 5xx server error. */
  readonly failRate?: number;
  /** Share of requests answered with 429 and `Retry-After`. */
  readonly rateLimitRate?: number;
  /** Share of requests never answered while the fake runs. */
  readonly hangRate?: number;
  /** The `Retry-After` of random rate limits, in seconds; default 1. */
  readonly retryAfterSeconds?: number;
  /**
   * Share of requests handled normally but only after `delayMs`, so a write can land after newer
   * ones; one whose client closed the connection meanwhile (a call aborted on timeout) is dropped.
   */
  readonly delayRate?: number;
  /** How late delayed requests are handled, in milliseconds; default 10,000. */
  readonly delayMs?: number;
}

/** What one random draw decided; `undefined` from `draw` means the request is handled normally. */
export type RandomFault =
  | { readonly kind: "fail"; readonly status: number }
  | { readonly kind: "rate_limit"; readonly retryAfterSeconds: number }
  | { readonly kind: "hang" }
  | { readonly kind: "delay"; readonly ms: number };

/** Random fault state shared by the fakes: `set` replaces the rates (all 0 turns them off). */
export interface RandomFaults {
  set(rates: RandomFaultRates): void;
  draw(): RandomFault | undefined;
}

/** Creates random fault state (off); `serverErrors` are the 5xx statuses drawn from uniformly. */
export function createRandomFaults(serverErrors: readonly number[], random: () => number = Math.random): RandomFaults {
  let rates = { fail: 0, rateLimit: 0, hang: 0, delay: 0, retryAfterSeconds: 1, delayMs: 10_000 };
  return {
    set(next) {
      const fail = next.failRate ?? 0;
      const rateLimit = next.rateLimitRate ?? 0;
      const hang = next.hangRate ?? 0;
      const delay = next.delayRate ?? 0;
      if ([fail, rateLimit, hang, delay].some((r) => !(r >= 0 && r <= 1)) || fail + rateLimit + hang + delay > 1) {
        throw new Error("random fault rates must be probabilities whose sum is at most 1");
      }
      const retryAfterSeconds = next.retryAfterSeconds ?? 1;
      rates = { fail, rateLimit, hang, delay, retryAfterSeconds, delayMs: next.delayMs ?? 10_000 };
    },
    draw() {
      if (rates.fail + rates.rateLimit + rates.hang + rates.delay === 0) return undefined;
      const roll = random();
      if (roll < rates.hang) return { kind: "hang" };
      if (roll < rates.hang + rates.fail)
        return { kind: "fail", status: serverErrors[Math.floor(random() * serverErrors.length)] ?? 500 };
      if (roll < rates.hang + rates.fail + rates.rateLimit)
        return { kind: "rate_limit", retryAfterSeconds: rates.retryAfterSeconds };
      if (roll < rates.hang + rates.fail + rates.rateLimit + rates.delay) return { kind: "delay", ms: rates.delayMs };
      return undefined;
    },
  };
}
