import { createRandomFaults, type RandomFaultRates } from "../random-faults.ts";

/** Test controls that make the fake GitHub misbehave the way the real one does. Faults answer before any effect. */
export interface FakeGitHubFaults {
  /** The next `count` requests answer `status` (default 500) with a GitHub error body. */
  failNext(count: number, status?: number): void;
  /**
   * The next `count` requests hit a secondary rate limit: `status` (default 429; GitHub also uses
   * 403) with `retry-after: retryAfterSeconds` (default 1) and quota headers that are not exhausted.
   */
  rateLimitNext(count: number, retryAfterSeconds?: number, status?: 403 | 429): void;
  /**
   * The next `count` requests find the primary quota exhausted: `status` (default 403) with
   * `x-ratelimit-remaining: 0` and `x-ratelimit-reset` `resetInSeconds` (default 60) from now, no `retry-after`.
   */
  exhaustQuotaNext(count: number, resetInSeconds?: number, status?: 403 | 429): void;
  /**
   * The next `passing` requests are handled normally, then `count` (default 1) answer `status`
   * (default 500): a destination that fails part-way through a run. Replaces an earlier `failAfter`.
   */
  failAfter(passing: number, count?: number, status?: number): void;
  /** Every request waits `ms` before being handled; 0 turns latency off. */
  setLatency(ms: number): void;
  /** The next `count` requests (default: all, until reset) are never answered while the fake runs. */
  hangNext(count?: number): void;
  /**
   * From now on, each request not taken by a queued fault draws one at random: a 5xx (500, 502 or
   * 503), a secondary rate limit (429 with `retry-after`), a hang, or a late answer (handled
   * normally after a delay). All rates 0 (or `reset`) turns this off.
   */
  setRandomFaults(rates: RandomFaultRates): void;
  /** Clears every fault. */
  reset(): void;
}

/** What the server must do with one request instead of handling it. */
export type FaultDecision =
  | { readonly kind: "hang" }
  | { readonly kind: "fail"; readonly status: number }
  | { readonly kind: "secondary_rate_limit"; readonly status: number; readonly retryAfterSeconds: number }
  | { readonly kind: "quota_exhausted"; readonly status: number; readonly resetInSeconds: number }
  /** Handle the request; `delayMs` (a random late answer) says to wait that long first. */
  | { readonly kind: "none"; readonly delayMs?: number };

/** Fault controls plus the server's side: `decide` consumes one queued fault per request. */
export interface FaultState extends FakeGitHubFaults {
  decide(): FaultDecision;
  readonly latencyMs: number;
}

/** Creates fault state with nothing injected. Precedence: hang, fail, secondary rate limit, exhausted quota. */
export function createFaults(): FaultState {
  let hang = 0;
  let fail = { count: 0, status: 500 };
  let secondary = { count: 0, status: 429, retryAfterSeconds: 1 };
  let quota = { count: 0, status: 403, resetInSeconds: 60 };
  let latencyMs = 0;
  let failLater = { passing: 0, count: 0, status: 500 };
  const random = createRandomFaults([500, 502, 503]);
  return {
    failNext(count, status = 500) {
      fail = { count, status };
    },
    rateLimitNext(count, retryAfterSeconds = 1, status = 429) {
      secondary = { count, status, retryAfterSeconds };
    },
    exhaustQuotaNext(count, resetInSeconds = 60, status = 403) {
      quota = { count, status, resetInSeconds };
    },
    failAfter(passing, count = 1, status = 500) {
      failLater = { passing, count, status };
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    hangNext(count = Number.POSITIVE_INFINITY) {
      hang = count;
    },
    setRandomFaults(rates) {
      random.set(rates);
    },
    reset() {
      random.set({});
      hang = 0;
      fail = { count: 0, status: 500 };
      secondary = { count: 0, status: 429, retryAfterSeconds: 1 };
      quota = { count: 0, status: 403, resetInSeconds: 60 };
      latencyMs = 0;
      failLater = { passing: 0, count: 0, status: 500 };
    },
    decide() {
      if (hang > 0) {
        hang--;
        return { kind: "hang" };
      }
      if (failLater.count > 0 && failLater.passing-- <= 0) {
        failLater.count--;
        return { kind: "fail", status: failLater.status };
      }
      if (fail.count > 0) {
        fail.count--;
        return { kind: "fail", status: fail.status };
      }
      if (secondary.count > 0) {
        secondary.count--;
        return {
          kind: "secondary_rate_limit",
          status: secondary.status,
          retryAfterSeconds: secondary.retryAfterSeconds,
        };
      }
      if (quota.count > 0) {
        quota.count--;
        return { kind: "quota_exhausted", status: quota.status, resetInSeconds: quota.resetInSeconds };
      }
      const drawn = random.draw();
      if (drawn?.kind === "rate_limit") {
        return { kind: "secondary_rate_limit", status: 429, retryAfterSeconds: drawn.retryAfterSeconds };
      }
      if (drawn?.kind === "delay") return { kind: "none", delayMs: drawn.ms };
      return drawn ?? { kind: "none" };
    },
    get latencyMs() {
      return latencyMs;
    },
  };
}
