import { backoffDelayMs, type Backoff } from "@syncline/errors";
import { WebhookDeliveryState } from "@syncline/gen/syncline/notifications/v1/webhooks_pb.js";

/** What one attempt to POST a delivery came to. `message` never holds a URL path or a secret. */
export type AttemptOutcome =
  | { readonly kind: "answered"; readonly status: number; readonly retryAfterMs?: number }
  | {
      readonly kind: "timeout" | "network" | "refused_address" | "response_too_large" | "endpoint_disabled";
      readonly message: string;
    };

/** How long deliveries are retried. */
export interface DeliveryLimits {
  readonly backoff: Backoff;
  /** Attempts after which a delivery gives up. */
  readonly maxAttempts: number;
  /** Age (since the event) after which a delivery gives up rather than wait for another attempt. */
  readonly maxAgeMs: number;
}

/** The longest `Retry-After` honoured; a longer one waits this long. */
export const MAX_RETRY_AFTER_MS = 3_600_000;

/** What the delivery becomes after an attempt. */
export interface AttemptVerdict {
  readonly state: WebhookDeliveryState;
  readonly lastHttpStatus: number;
  readonly lastErrorKind: string;
  readonly lastError: string;
  readonly nextAttemptAt: Date | null;
  readonly deliveredAt: Date | null;
  readonly gaveUpAt: Date | null;
}

/**
 * Decides after attempt number `attempts`: a 2xx is delivered; a refused address, an endpoint
 * disabled meanwhile, an answer over the size cap, a redirect and a 4xx other than 408 and 429 are final (retrying would get the same
 * answer); anything else (5xx, 408, 429, timeouts, network errors) is retried with exponential
 * backoff and jitter — after `Retry-After` on 429 and 503 — unless the attempt or age limit is
 * reached, in which case the delivery gives up and says why.
 */
export function afterAttempt(
  outcome: AttemptOutcome,
  context: { attempts: number; createdAt: Date; now: Date; limits: DeliveryLimits; random?: () => number },
): AttemptVerdict {
  const { now, limits } = context;
  const status = outcome.kind === "answered" ? outcome.status : 0;
  if (outcome.kind === "answered" && status >= 200 && status < 300) {
    return { ...none(status), state: WebhookDeliveryState.DELIVERED, deliveredAt: now };
  }
  const kind = outcome.kind === "answered" ? "http_status" : outcome.kind;
  const message = outcome.kind === "answered" ? `the endpoint answered HTTP ${status}` : outcome.message;
  const giveUp = (why: string): AttemptVerdict => ({
    ...none(status),
    state: WebhookDeliveryState.GAVE_UP,
    lastErrorKind: kind,
    lastError: `${message}; ${why}`,
    gaveUpAt: now,
  });
  if (isFinal(outcome)) return giveUp("not retried");
  if (context.attempts >= limits.maxAttempts) return giveUp(`gave up after ${context.attempts} attempts`);
  const retryAfterMs =
    outcome.kind === "answered" && (status === 429 || status === 503) ? outcome.retryAfterMs : undefined;
  const delayMs =
    retryAfterMs !== undefined
      ? Math.min(retryAfterMs, MAX_RETRY_AFTER_MS)
      : backoffDelayMs(context.attempts, limits.backoff, context.random);
  const next = new Date(now.getTime() + delayMs);
  if (next.getTime() - context.createdAt.getTime() > limits.maxAgeMs) {
    return giveUp(`gave up: the event is older than ${Math.round(limits.maxAgeMs / 60_000)} minutes`);
  }
  return {
    ...none(status),
    state: WebhookDeliveryState.PENDING,
    lastErrorKind: kind,
    lastError: message,
    nextAttemptAt: next,
  };
}

function isFinal(outcome: AttemptOutcome): boolean {
  const final = ["refused_address", "endpoint_disabled", "response_too_large"];
  if (final.includes(outcome.kind)) return true;
  if (outcome.kind !== "answered") return false;
  // Redirects are not followed (a redirect could lead anywhere): retrying would be redirected again.
  if (outcome.status >= 300 && outcome.status < 400) return true;
  return outcome.status >= 400 && outcome.status < 500 && outcome.status !== 408 && outcome.status !== 429;
}

function none(status: number) {
  return {
    lastHttpStatus: status,
    lastErrorKind: "",
    lastError: "",
    nextAttemptAt: null,
    deliveredAt: null,
    gaveUpAt: null,
  };
}

/**
 * A `Retry-After` header in milliseconds: delay-seconds or an HTTP date (relative to `now`);
 * undefined when absent or malformed.
 */
export function retryAfterMs(header: string | null, now: Date): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now.getTime());
}
