import { createCountedFault, createDeferredFault } from "../fault-injection.ts";

/** Test controls that make the fake Secret Manager misbehave the way Google's does. Faults answer before any effect. */
export interface FakeGcpFaults {
  /** The next `count` calls answer `status`: 500 → INTERNAL, 503 → UNAVAILABLE (default 503). */
  failNext(count: number, status?: 500 | 503): void;
  /** The next `count` calls answer RESOURCE_EXHAUSTED with RetryInfo `retryDelaySeconds` (default 1). */
  rateLimitNext(count: number, retryDelaySeconds?: number): void;
  /** The next `passing` write calls are handled, then `count` (default 1) answer INTERNAL. */
  failAfterWrites(passing: number, count?: number): void;
  /** Every call waits `ms` before being handled; 0 turns latency off. */
  setLatency(ms: number): void;
  /** The next `count` calls (default: all) are never answered while the fake runs. */
  hangNext(count?: number): void;
  reset(): void;
}

/** What the server does with one call instead of (or before) handling it. */
export type FaultDecision =
  | { readonly kind: "hang" }
  | { readonly kind: "fail"; readonly status: 500 | 503 }
  | { readonly kind: "rate_limit"; readonly retryDelaySeconds: number }
  | { readonly kind: "none" };

/** Fault controls plus the server's side: `decide` consumes one queued fault per call. */
export interface FaultState extends FakeGcpFaults {
  decide(isWrite: boolean): FaultDecision;
  readonly latencyMs: number;
}

/** Creates fault state with nothing injected. Order of precedence: hang, fail after writes, fail, rate limit. */
export function createFaults(): FaultState {
  const hang = createCountedFault<true>();
  const fail = createCountedFault<500 | 503>();
  const rateLimit = createCountedFault<number>();
  const failLater = createDeferredFault<true>();
  let latencyMs = 0;
  return {
    failNext(count, status = 503) {
      fail.arm(count, status);
    },
    rateLimitNext(count, retryDelaySeconds = 1) {
      rateLimit.arm(count, retryDelaySeconds);
    },
    failAfterWrites(passing, count = 1) {
      failLater.arm(passing, count, true);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    hangNext(count = Number.POSITIVE_INFINITY) {
      hang.arm(count, true);
    },
    reset() {
      hang.clear();
      fail.clear();
      rateLimit.clear();
      failLater.clear();
      latencyMs = 0;
    },
    decide(isWrite) {
      if (hang.take()) return { kind: "hang" };
      if (isWrite && failLater.take()) return { kind: "fail", status: 500 };
      const status = fail.take();
      if (status !== undefined) return { kind: "fail", status };
      const retryDelaySeconds = rateLimit.take();
      if (retryDelaySeconds !== undefined) return { kind: "rate_limit", retryDelaySeconds };
      return { kind: "none" };
    },
    get latencyMs() {
      return latencyMs;
    },
  };
}
