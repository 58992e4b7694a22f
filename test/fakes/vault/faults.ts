import { createRandomFaults, type RandomFaultRates } from "../random-faults.ts";
import {
  createCountedFault,
  createRequestFaults,
  randomDecision,
  requestFaultControls,
  type RequestFaults,
} from "../fault-injection.ts";

/** Test controls that make the fake Vault misbehave the way real ones do. Faults answer before any effect. */
export interface FakeVaultFaults extends RequestFaults {
  /** The next `count` requests answer 429 with `Retry-After: retryAfterSeconds` (default 1), like a rate limit quota. */
  rateLimitNext(count: number, retryAfterSeconds?: number): void;
  /** While sealed, every request but sys/health answers 503 "Vault is sealed", and health reports sealed. */
  setSealed(sealed: boolean): void;
  /**
   * From now on, each request not taken by a queued fault draws one at random: a 5xx (500, 502, 503
   * or 504), a 429 with `Retry-After`, a hang, or a late answer (handled normally after a delay).
   * All rates 0 (or `reset`) turns this off.
   */
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
export interface FaultState extends FakeVaultFaults {
  decide(): FaultDecision;
  readonly latencyMs: number;
  readonly sealed: boolean;
}

/** Creates fault state with nothing injected. Order of precedence: hang, fail after, fail, rate limit, random. */
export function createFaults(): FaultState {
  const common = createRequestFaults();
  const rateLimit = createCountedFault<number>();
  let sealed = false;
  const random = createRandomFaults([500, 502, 503, 504]);
  return {
    ...requestFaultControls(common),
    rateLimitNext(count, retryAfterSeconds = 1) {
      rateLimit.arm(count, retryAfterSeconds);
    },
    setSealed(value) {
      sealed = value;
    },
    setRandomFaults(rates) {
      random.set(rates);
    },
    reset() {
      random.set({});
      common.reset();
      rateLimit.clear();
      sealed = false;
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
    get sealed() {
      return sealed;
    },
  };
}
