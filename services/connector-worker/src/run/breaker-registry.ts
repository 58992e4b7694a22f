import CircuitBreaker from "opossum";
import { toConnectorError } from "@syncline/connectors";

/** Breaker settings shared by every connection. */
export interface BreakerSettings {
  /** A destination call slower than this fails (and counts as a failure). */
  readonly timeoutMs: number;
  /** How long an open breaker waits before letting one trial call through. */
  readonly resetTimeoutMs: number;
  readonly errorThresholdPercentage: number;
  /** Calls in the rolling window before the breaker may open. */
  readonly volumeThreshold: number;
}

/**
 * One opossum breaker per connection, so a destination that is down or hanging fails fast without
 * slowing runs of other connections. Only transient failures count toward opening it: a rate
 * limit, bad credentials or a bad config say nothing about the destination's health.
 */
export function createBreakerRegistry(settings: BreakerSettings) {
  const breakers = new Map<string, CircuitBreaker<[() => Promise<unknown>], unknown>>();

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
      breakers.set(connectionId, breaker);
    }
    return breaker;
  }

  return {
    /** Runs a destination call through the connection's breaker; rejects with code EOPENBREAKER when open. */
    fire<T>(connectionId: string, call: () => Promise<T>): Promise<T> {
      return breakerFor(connectionId).fire(call) as Promise<T>;
    },
    /** "closed", "open" or "half-open", for metrics and logs. */
    state(connectionId: string): "closed" | "open" | "half-open" {
      const breaker = breakers.get(connectionId);
      if (!breaker) return "closed";
      return breaker.opened ? "open" : breaker.halfOpen ? "half-open" : "closed";
    },
    resetTimeoutMs: settings.resetTimeoutMs,
    shutdown() {
      for (const breaker of breakers.values()) breaker.shutdown();
      breakers.clear();
    },
  };
}

export type BreakerRegistry = ReturnType<typeof createBreakerRegistry>;
