/** Test controls that make the fake AWS misbehave the way AWS does. Faults answer before any effect. */
export interface FakeAwsFaults {
  /** The next `count` requests answer `status` (500 `InternalServiceError`, 503 `ServiceUnavailable`). */
  failNext(count: number, status?: number): void;
  /** The next `count` requests answer 400 `ThrottlingException` with `x-amz-retry-after` (ms) of `retryAfterSeconds`. */
  throttleNext(count: number, retryAfterSeconds?: number): void;
  /** The next `passing` requests are handled, then `count` (default 1) answer `status` (default 500). */
  failAfter(passing: number, count?: number, status?: number): void;
  /** Every request waits `ms` before being handled; 0 turns latency off. */
  setLatency(ms: number): void;
  /** The next `count` requests (default: all) are never answered while the fake runs. */
  hangNext(count?: number): void;
  /** Clears every fault. */
  reset(): void;
}

/** What the server must do with one request instead of (or before) handling it. */
export type FaultDecision =
  | { readonly kind: "hang" }
  | { readonly kind: "fail"; readonly status: number }
  | { readonly kind: "throttle"; readonly retryAfterSeconds: number }
  | { readonly kind: "none" };

/** Fault controls plus the server's side: `decide` consumes one queued fault per request. */
export interface FaultState extends FakeAwsFaults {
  decide(): FaultDecision;
  readonly latencyMs: number;
}

/** Creates fault state with nothing injected. Order of precedence: hang, fail after, fail, throttle. */
export function createFaults(): FaultState {
  let hang = 0;
  let fail = { count: 0, status: 500 };
  let throttle = { count: 0, retryAfterSeconds: 1 };
  let later = { passing: 0, count: 0, status: 500 };
  let latencyMs = 0;
  return {
    failNext(count, status = 500) {
      fail = { count, status };
    },
    throttleNext(count, retryAfterSeconds = 1) {
      throttle = { count, retryAfterSeconds };
    },
    failAfter(passing, count = 1, status = 500) {
      later = { passing, count, status };
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
      throttle = { count: 0, retryAfterSeconds: 1 };
      later = { passing: 0, count: 0, status: 500 };
      latencyMs = 0;
    },
    decide() {
      if (hang > 0) {
        hang--;
        return { kind: "hang" };
      }
      if (later.count > 0 && later.passing-- <= 0) {
        later.count--;
        return { kind: "fail", status: later.status };
      }
      if (fail.count > 0) {
        fail.count--;
        return { kind: "fail", status: fail.status };
      }
      if (throttle.count > 0) {
        throttle.count--;
        return { kind: "throttle", retryAfterSeconds: throttle.retryAfterSeconds };
      }
      return { kind: "none" };
    },
    get latencyMs() {
      return latencyMs;
    },
  };
}
