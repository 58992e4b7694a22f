import CircuitBreaker from "opossum";
import { callWithDeadline, toConnectorError, type DestinationCalls } from "@syncline/connectors";
import { createConnectionSlots } from "./connection-slots.ts";

/** Breaker settings shared by every connection. */
export interface BreakerSettings {
  /** Deadline of one destination call (one provider request); the call is aborted when it passes. */
  readonly timeoutMs: number;
  /** How long an open breaker waits before letting one trial call through. */
  readonly resetTimeoutMs: number;
  readonly errorThresholdPercentage: number;
  /** Calls in the rolling window before the breaker may open. */
  readonly volumeThreshold: number;
  /** Destination calls at once per connection (default 4). */
  readonly maxCallsPerConnection?: number;
}

type Breaker = CircuitBreaker<[() => Promise<unknown>], unknown>;

/**
 * One opossum breaker per connection, so a destination that is down or hanging fails fast without
 * slowing runs of other connections. Each provider request is one breaker call: it waits for one
 * of the connection's slots (a per-connection concurrency cap), passes the breaker (code
 * EOPENBREAKER while open) and gets a signal that aborts at `timeoutMs` or when the run is
 * cancelled. Only transient failures of the destination count toward opening the breaker: a rate
 * limit, bad credentials, a bad config or a cancelled run say nothing about its health.
 *
 * The deadline lives here, not in opossum: opossum's `timeout` rejects without stopping the call
 * (the request kept writing in the background), and its `abortController` option is one controller
 * per breaker, aborting every concurrent call of the connection at the first timeout. So opossum
 * gets `timeout: false`, and a call settles only once its request has settled, promptly because
 * the request was aborted.
 */
export function createBreakerRegistry(settings: BreakerSettings) {
  const slots = createConnectionSlots(settings.maxCallsPerConnection ?? 4);
  const breakers = new Map<string, Breaker>();
  /** Failures of calls whose run was cancelled: not the destination's fault. */
  const cancelled = new WeakSet<object>();
  /** When each open breaker lets a trial call through (monotonic clock). */
  const halfOpensAt = new Map<string, number>();

  function breakerFor(connectionId: string): Breaker {
    let breaker = breakers.get(connectionId);
    if (!breaker) {
      breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
        timeout: false,
        resetTimeout: settings.resetTimeoutMs,
        errorThresholdPercentage: settings.errorThresholdPercentage,
        volumeThreshold: settings.volumeThreshold,
        errorFilter: (error: unknown) => cancelled.has(error as object) || toConnectorError(error).kind !== "transient",
      });
      breaker.on("open", () => halfOpensAt.set(connectionId, performance.now() + settings.resetTimeoutMs));
      breakers.set(connectionId, breaker);
    }
    return breaker;
  }

  /** An open breaker's refusal (EOPENBREAKER) says how long until it lets a trial call through: the run waits that long. */
  function withTrialTime(connectionId: string, error: unknown): unknown {
    if ((error as { code?: string } | undefined)?.code === "EOPENBREAKER") {
      const at = halfOpensAt.get(connectionId) ?? performance.now() + settings.resetTimeoutMs;
      Object.assign(error as object, { retryAfterMs: Math.max(0, Math.ceil(at - performance.now())) });
    }
    return error;
  }

  return {
    /**
     * The call gate of one run on a connection: every provider request of the run's connector goes
     * through it. `signal` (run cancelled, lease lost, shutdown) aborts the request in flight.
     */
    calls(connectionId: string, signal: AbortSignal): DestinationCalls {
      return {
        call<T>(_operation: string, request: (signal: AbortSignal) => Promise<T>): Promise<T> {
          const run = () =>
            callWithDeadline(request, settings.timeoutMs, signal).catch((error: unknown) => {
              if (signal.aborted && error !== null && typeof error === "object") cancelled.add(error);
              throw error;
            });
          return slots.run(connectionId, () =>
            (breakerFor(connectionId).fire(run) as Promise<T>).catch((error: unknown) => {
              throw withTrialTime(connectionId, error);
            }),
          );
        },
      };
    },
    /** "closed", "open" or "half-open", for metrics and logs. */
    state(connectionId: string): "closed" | "open" | "half-open" {
      const breaker = breakers.get(connectionId);
      if (!breaker) return "closed";
      return breaker.opened ? "open" : breaker.halfOpen ? "half-open" : "closed";
    },
    /** Connections that have a breaker (every connection this process has called), for metrics. */
    connectionIds(): string[] {
      return [...breakers.keys()];
    },
    /** Destination calls running and waiting for the connection's slots, for metrics. */
    load: (connectionId: string) => slots.load(connectionId),
    resetTimeoutMs: settings.resetTimeoutMs,
    shutdown() {
      for (const breaker of breakers.values()) breaker.shutdown();
      breakers.clear();
    },
  };
}

export type BreakerRegistry = ReturnType<typeof createBreakerRegistry>;
