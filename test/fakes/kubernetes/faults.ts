import {
  createCountedFault,
  createRequestFaults,
  requestFaultControls,
  type RequestFaults,
} from "../fault-injection.ts";

/** Test controls that make the fake API server misbehave the way real ones do. Faults answer before any effect. */
export interface FakeKubernetesFaults extends RequestFaults {
  /** The next `count` requests answer 429 TooManyRequests with `Retry-After: retryAfterSeconds` (default 1). */
  rateLimitNext(count: number, retryAfterSeconds?: number): void;
  /** The next `count` writes (PUT, POST, PATCH, DELETE of a Secret) answer 409 Conflict as if another writer won. */
  conflictNext(count: number): void;
  /** Clears every fault. */
  reset(): void;
}

/** What the server must do with one request instead of handling it. */
export type FaultDecision =
  | { readonly kind: "hang" }
  | { readonly kind: "fail"; readonly status: number }
  | { readonly kind: "rate_limit"; readonly retryAfterSeconds: number }
  | { readonly kind: "none" };

/** Fault controls plus the server's side: `decide` consumes one queued fault per request. */
export interface FaultState extends FakeKubernetesFaults {
  decide(): FaultDecision;
  /** Consumes one queued conflict for a write. */
  takeConflict(): boolean;
  readonly latencyMs: number;
}

/** Creates fault state with nothing injected. Order of precedence: hang, fail after, fail, rate limit. */
export function createFaults(): FaultState {
  const common = createRequestFaults();
  const rateLimit = createCountedFault<number>();
  const conflict = createCountedFault<true>();
  return {
    ...requestFaultControls(common),
    rateLimitNext(count, retryAfterSeconds = 1) {
      rateLimit.arm(count, retryAfterSeconds);
    },
    conflictNext(count) {
      conflict.arm(count, true);
    },
    reset() {
      common.reset();
      rateLimit.clear();
      conflict.clear();
    },
    decide() {
      const queued = common.take();
      if (queued) return queued;
      const retryAfterSeconds = rateLimit.take();
      if (retryAfterSeconds !== undefined) return { kind: "rate_limit", retryAfterSeconds };
      return { kind: "none" };
    },
    takeConflict() {
      return conflict.take() ?? false;
    },
    get latencyMs() {
      return common.latencyMs;
    },
  };
}
