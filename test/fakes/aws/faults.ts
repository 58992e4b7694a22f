import {
  createCountedFault,
  createRequestFaults,
  requestFaultControls,
  type RequestFaults,
} from "../fault-injection.ts";

/** Test controls that make the fake AWS misbehave the way AWS does. Faults answer before any effect. */
export interface FakeAwsFaults extends Omit<RequestFaults, "failNext"> {
  /** The next `count` requests answer `status` (500 `InternalServiceError`, 503 `ServiceUnavailable`). */
  failNext(count: number, status?: number): void;
  /** The next `count` requests answer 400 `ThrottlingException` with `x-amz-retry-after` (ms) of `retryAfterSeconds`. */
  throttleNext(count: number, retryAfterSeconds?: number): void;
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
  const common = createRequestFaults();
  const throttle = createCountedFault<number>();
  return {
    ...requestFaultControls(common),
    throttleNext(count, retryAfterSeconds = 1) {
      throttle.arm(count, retryAfterSeconds);
    },
    reset() {
      common.reset();
      throttle.clear();
    },
    decide() {
      const queued = common.take();
      if (queued) return queued;
      const retryAfterSeconds = throttle.take();
      if (retryAfterSeconds !== undefined) return { kind: "throttle", retryAfterSeconds };
      return { kind: "none" };
    },
    get latencyMs() {
      return common.latencyMs;
    },
  };
}
