import { createCountedFault, type RequestFaults } from "../fault-injection.ts";

/** Test controls that make the fake Key Vault misbehave the way the real one does. Faults answer before any effect. */
export interface FakeAzureFaults extends Omit<RequestFaults, "failAfter"> {
  /** The next `count` Key Vault requests answer 429 `Throttled` with `Retry-After: retryAfterSeconds` (default 1). */
  rateLimitNext(count: number, retryAfterSeconds?: number): void;
  /** After `writes` more accepted secret writes (PUT), the next write answers 500: a vault that fails part-way. */
  failWritesAfter(writes: number): void;
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
export interface FaultState extends FakeAzureFaults {
  decide(isWrite: boolean): FaultDecision;
  /** An accepted write, counted toward `failWritesAfter`. */
  wrote(): void;
  readonly latencyMs: number;
}

/** Creates fault state with nothing injected. Order of precedence: hang, failed write, fail, rate limit. */
export function createFaults(): FaultState {
  const hang = createCountedFault<true>();
  const fail = createCountedFault<number>();
  const rateLimit = createCountedFault<number>();
  let writesLeft: number | undefined;
  let latencyMs = 0;
  return {
    failNext(count, status = 500) {
      fail.arm(count, status);
    },
    rateLimitNext(count, retryAfterSeconds = 1) {
      rateLimit.arm(count, retryAfterSeconds);
    },
    failWritesAfter(writes) {
      writesLeft = writes;
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
      writesLeft = undefined;
      latencyMs = 0;
    },
    decide(isWrite) {
      if (hang.take()) return { kind: "hang" };
      if (isWrite && writesLeft === 0) {
        writesLeft = undefined;
        return { kind: "fail", status: 500 };
      }
      const status = fail.take();
      if (status !== undefined) return { kind: "fail", status };
      const retryAfterSeconds = rateLimit.take();
      if (retryAfterSeconds !== undefined) return { kind: "rate_limit", retryAfterSeconds };
      return { kind: "none" };
    },
    wrote() {
      if (writesLeft !== undefined && writesLeft > 0) writesLeft--;
    },
    get latencyMs() {
      return latencyMs;
    },
  };
}
