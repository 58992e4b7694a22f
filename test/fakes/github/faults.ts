import { createRandomFaults, type RandomFaultRates } from "../random-faults.ts";
import {
  createCountedFault,
  createRequestFaults,
  requestFaultControls,
  type RequestFaults,
} from "../fault-injection.ts";

/** Test controls that make the fake GitHub misbehave the way the real one does. Faults answer before any effect. */
export interface FakeGitHubFaults extends RequestFaults {
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

/** Creates fault state with nothing injected. Precedence: hang, fail after, fail, secondary rate limit, exhausted quota. */
export function createFaults(): FaultState {
  const common = createRequestFaults();
  const secondary = createCountedFault<{ status: number; retryAfterSeconds: number }>();
  const quota = createCountedFault<{ status: number; resetInSeconds: number }>();
  const random = createRandomFaults([500, 502, 503]);
  return {
    ...requestFaultControls(common),
    rateLimitNext(count, retryAfterSeconds = 1, status = 429) {
      secondary.arm(count, { status, retryAfterSeconds });
    },
    exhaustQuotaNext(count, resetInSeconds = 60, status = 403) {
      quota.arm(count, { status, resetInSeconds });
    },
    setRandomFaults(rates) {
      random.set(rates);
    },
    reset() {
      random.set({});
      common.reset();
      secondary.clear();
      quota.clear();
    },
    decide() {
      const queued = common.take();
      if (queued) return queued;
      const limited = secondary.take();
      if (limited) return { kind: "secondary_rate_limit", ...limited };
      const exhausted = quota.take();
      if (exhausted) return { kind: "quota_exhausted", ...exhausted };
      const drawn = random.draw();
      if (drawn?.kind === "rate_limit") {
        return { kind: "secondary_rate_limit", status: 429, retryAfterSeconds: drawn.retryAfterSeconds };
      }
      if (drawn?.kind === "delay") return { kind: "none", delayMs: drawn.ms };
      return drawn ?? { kind: "none" };
    },
    get latencyMs() {
      return common.latencyMs;
    },
  };
}
