/** Test controls that make the fake API server misbehave the way real ones do. Faults answer before any effect. */
export interface FakeKubernetesFaults {
  /** The next `count` requests answer `status` (default 500) with a `Status` body. */
  failNext(count: number, status?: number): void;
  /** The next `count` requests answer 429 TooManyRequests with `Retry-After: retryAfterSeconds` (default 1). */
  rateLimitNext(count: number, retryAfterSeconds?: number): void;
  /** The next `passing` requests are handled normally, then `count` (default 1) answer `status` (default 500). */
  failAfter(passing: number, count?: number, status?: number): void;
  /** The next `count` writes (PUT, POST, PATCH, DELETE of a Secret) answer 409 Conflict as if another writer won. */
  conflictNext(count: number): void;
  /** Every request waits `ms` before being handled; 0 turns latency off. */
  setLatency(ms: number): void;
  /** The next `count` requests (default: all, until reset) are never answered while the fake runs. */
  hangNext(count?: number): void;
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
  let hang = 0;
  let fail = { count: 0, status: 500 };
  let rateLimit = { count: 0, retryAfterSeconds: 1 };
  let failLater = { passing: 0, count: 0, status: 500 };
  let conflicts = 0;
  let latencyMs = 0;
  return {
    failNext(count, status = 500) {
      fail = { count, status };
    },
    rateLimitNext(count, retryAfterSeconds = 1) {
      rateLimit = { count, retryAfterSeconds };
    },
    failAfter(passing, count = 1, status = 500) {
      failLater = { passing, count, status };
    },
    conflictNext(count) {
      conflicts = count;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    hangNext(count = Number.POSITIVE_INFINITY) {
      hang = count;
    },
    reset() {
      hang = 0;
      fail = { count: 0, status: 500 };
      rateLimit = { count: 0, retryAfterSeconds: 1 };
      failLater = { passing: 0, count: 0, status: 500 };
      conflicts = 0;
      latencyMs = 0;
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
      if (rateLimit.count > 0) {
        rateLimit.count--;
        return { kind: "rate_limit", retryAfterSeconds: rateLimit.retryAfterSeconds };
      }
      return { kind: "none" };
    },
    takeConflict() {
      if (conflicts <= 0) return false;
      conflicts--;
      return true;
    },
    get latencyMs() {
      return latencyMs;
    },
  };
}
