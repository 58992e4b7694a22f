import { createRandomFaults, type RandomFaultRates } from "../random-faults.ts";
import {
  createCountedFault,
  createRequestFaults,
  randomDecision,
  requestFaultControls,
  type RequestFaults,
} from "../fault-injection.ts";

/** Test controls that make the fake GitLab misbehave the way the real one does. Faults answer before any effect. */
export interface FakeGitLabFaults extends RequestFaults {
  /** The next `count` requests answer 429 "Retry later" with `Retry-After: retryAfterSeconds` (default 1) and `RateLimit-*` headers. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void;
  /** Each request not taken by a queued fault draws one at random (5xx, 429, hang, late answer); all 0 turns it off. */
  setRandomFaults(rates: RandomFaultRates): void;
  /** Clears every fault. */
  reset(): void;
}

/** What the server must do with one request instead of (or before) handling it. */
export type FaultDecision =
  | { readonly kind: "hang" }
  | { readonly kind: "fail"; readonly status: number }
  | { readonly kind: "rate_limit"; readonly retryAfterSeconds: number }
  /** Handle the request; `delayMs` (a random late answer) says to wait that long first. */
  | { readonly kind: "none"; readonly delayMs?: number };

/** Fault controls plus the server's side: `decide` consumes one queued fault per request. */
export interface FaultState extends FakeGitLabFaults {
  decide(): FaultDecision;
  readonly latencyMs: number;
}

/** Creates fault state with nothing injected. Precedence: hang, fail after, fail, rate limit, random. */
export function createFaults(): FaultState {
  const common = createRequestFaults();
  const rateLimit = createCountedFault<number>();
  const random = createRandomFaults([500, 502, 503]);
  return {
    ...requestFaultControls(common),
    rateLimitNext(count, retryAfterSeconds = 1) {
      rateLimit.arm(count, retryAfterSeconds);
    },
    setRandomFaults(rates) {
      random.set(rates);
    },
    reset() {
      random.set({});
      common.reset();
      rateLimit.clear();
    },
    decide() {
      const queued = common.take();
      if (queued) return queued;
      const retryAfterSeconds = rateLimit.take();
      if (retryAfterSeconds !== undefined) return { kind: "rate_limit", retryAfterSeconds };
      return randomDecision(random.draw());
    },
    get latencyMs() {
      return common.latencyMs;
    },
  };
}
