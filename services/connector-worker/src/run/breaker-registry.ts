import CircuitBreaker from "opossum";
import { toConnectorError } from "@syncline/connectors";
import { createConnectionSlots } from "./connection-slots.ts";

/** Breaker settings shared by every connection. */
export interface BreakerSettings {
  /** A destination call slower than this fails (and counts as a failure). */
  readonly timeoutMs: number;
  /** How long an open breaker waits before letting one trial call through. */
  readonly resetTimeoutMs: number;
  readonly errorThresholdPercentage: number;
  /** Calls in the rolling window before the breaker may open. */
  readonly volumeThreshold: number;
  /** Destination calls at once per connection (default 4). */
  readonly maxCallsPerConnection?: number;
}

/**
 * One opossum breaker per connection, so a destination that is down or hanging fails fast without
 * slowing runs of other connections. Only transient failures count toward opening it: a rate
 * limit, bad credentials or a bad config say nothing about the destination's health. Calls also
 * wait for one of the connection's slots (a per-connection concurrency cap); the breaker's timeout
 * starts once a slot is held.
 */
export function createBreakerRegistry(settings: BreakerSettings) {
  const slots = createConnectionSlots(settings.maxCallsPerConnection ?? 4);
  const breakers = new Map<string, CircuitBreaker<[() => Promise<unknown>], unknown>>();
  /** When each open breaker lets a trial call through (monotonic clock). */
  const halfOpensAt = new Map<string, number>();

  function breakerFor(connectionId: string) {
    let breaker = breakers.get(connectionId);
    if (!breaker) {
      breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
        timeout: settings.timeoutMs,
        resetTimeout: settings.resetTimeoutMs,
        errorThresholdPercentage: settings.errorThresholdPercentage,
        volumeThreshold: settings.volumeThreshold,
        errorFilter: (error: unknown) => toConnectorError(error).kind !== "transient",
      });
      breaker.on("open", () => halfOpensAt.set(connectionId, performance.now() + settings.resetTimeoutMs));
      breakers.set(connectionId, breaker);
    }
    return breaker;
  }

  return {
    /**
     * Runs a destination call through the connection's breaker; rejects with code EOPENBREAKER when
     * open, with `retryAfterMs` saying how long until the breaker lets a trial call through.
     */
    fire<T>(connectionId: string, call: () => Promise<T>): Promise<T> {
      return slots.run(connectionId, () =>
        (breakerFor(connectionId).fire(call) as Promise<T>).catch((error: unknown) => {
          if ((error as { code?: string } | undefined)?.code === "EOPENBREAKER") {
            const at = halfOpensAt.get(connectionId) ?? performance.now() + settings.resetTimeoutMs;
            Object.assign(error as object, { retryAfterMs: Math.max(0, Math.ceil(at - performance.now())) });
          }
          throw error;
        }),
      );
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
