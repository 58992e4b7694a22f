import type { RandomFault } from "./random-faults.ts";

/**
 * Provider-neutral fault machinery for the fakes: queued faults consumed one per request, latency, and
 * the common controls (fail the next N, fail after K, hang). Each fake keeps its own answers (error
 * bodies, statuses, retry hints) and adds its provider-specific faults beside these.
 */

/** A fault armed for the next `count` requests (or writes), each taking the same `value`. */
export interface CountedFault<T> {
  arm(count: number, value: T): void;
  /** Consumes one armed fault and gives its value; `undefined` when none is left. */
  take(): T | undefined;
  clear(): void;
}

/** Creates a counted fault with nothing armed. An infinite count never runs out. */
export function createCountedFault<T>(): CountedFault<T> {
  let left = 0;
  let armed: T | undefined;
  return {
    arm(count, value) {
      left = count;
      armed = value;
    },
    take() {
      if (left <= 0) return undefined;
      left--;
      return armed;
    },
    clear() {
      left = 0;
      armed = undefined;
    },
  };
}

/** A fault that lets `passing` requests (or writes) through, then takes `count` of them. */
export interface DeferredFault<T> {
  arm(passing: number, count: number, value: T): void;
  /** Counts one request against `passing`, or consumes one armed fault and gives its value. */
  take(): T | undefined;
  clear(): void;
}

/** Creates a deferred fault with nothing armed; requests only count while some fault is armed. */
export function createDeferredFault<T>(): DeferredFault<T> {
  let later = { passing: 0, count: 0 };
  const armed = createCountedFault<T>();
  return {
    arm(passing, count, value) {
      later = { passing, count };
      armed.arm(count, value);
    },
    take() {
      if (later.count <= 0 || later.passing-- > 0) return undefined;
      later.count--;
      return armed.take();
    },
    clear() {
      later = { passing: 0, count: 0 };
      armed.clear();
    },
  };
}

/** The controls every HTTP fake offers, with the same meaning. Faults answer before any effect. */
export interface RequestFaults {
  /** The next `count` requests answer `status` (default 500) with the provider's error body. */
  failNext(count: number, status?: number): void;
  /**
   * The next `passing` requests are handled normally, then `count` (default 1) answer `status`
   * (default 500): a destination that fails part-way through a run. Replaces an earlier `failAfter`.
   */
  failAfter(passing: number, count?: number, status?: number): void;
  /** Every request waits `ms` before being handled; 0 turns latency off. */
  setLatency(ms: number): void;
  /** The next `count` requests (default: all, until reset) are never answered while the fake runs. */
  hangNext(count?: number): void;
}

/** A fault common to every fake, decided before the provider's own ones. */
export type CommonFault = { readonly kind: "hang" } | { readonly kind: "fail"; readonly status: number };

/** The common controls plus the server's side. */
export interface RequestFaultState extends RequestFaults {
  /** Consumes one queued common fault, in order of precedence: hang, fail after, fail. */
  take(): CommonFault | undefined;
  /** Clears the common faults and latency. */
  reset(): void;
  readonly latencyMs: number;
}

/** Creates the common fault state with nothing injected. */
export function createRequestFaults(): RequestFaultState {
  const hang = createCountedFault<true>();
  const failLater = createDeferredFault<number>();
  const fail = createCountedFault<number>();
  let latencyMs = 0;
  return {
    failNext(count, status = 500) {
      fail.arm(count, status);
    },
    failAfter(passing, count = 1, status = 500) {
      failLater.arm(passing, count, status);
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    hangNext(count = Number.POSITIVE_INFINITY) {
      hang.arm(count, true);
    },
    take() {
      if (hang.take()) return { kind: "hang" };
      const status = failLater.take() ?? fail.take();
      return status === undefined ? undefined : { kind: "fail", status };
    },
    reset() {
      hang.clear();
      failLater.clear();
      fail.clear();
      latencyMs = 0;
    },
    get latencyMs() {
      return latencyMs;
    },
  };
}

/** The `RequestFaults` controls of `state`, to place in a provider's fault object. */
export function requestFaultControls(state: RequestFaults): RequestFaults {
  return {
    failNext: state.failNext,
    failAfter: state.failAfter,
    setLatency: state.setLatency,
    hangNext: state.hangNext,
  };
}

/** What a random draw means for a fake that answers it as is: a late answer becomes a delay before handling. */
export type RandomDecision =
  | Exclude<RandomFault, { readonly kind: "delay" }>
  | { readonly kind: "none"; readonly delayMs?: number };

/** Turns a random draw (or none) into the decision for one request. */
export function randomDecision(drawn: RandomFault | undefined): RandomDecision {
  if (drawn?.kind === "delay") return { kind: "none", delayMs: drawn.ms };
  return drawn ?? { kind: "none" };
}
