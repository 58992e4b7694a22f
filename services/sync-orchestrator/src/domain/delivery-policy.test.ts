import { WebhookDeliveryState } from "@syncline/gen/syncline/notifications/v1/webhooks_pb.js";
import { describe, expect, it } from "vitest";
import { afterAttempt, retryAfterMs, type AttemptOutcome } from "./delivery-policy.ts";

const limits = { backoff: { baseMs: 1000, maxMs: 60_000, jitter: 0.2 }, maxAttempts: 5, maxAgeMs: 3_600_000 };
const now = new Date("2026-01-01T12:00:00Z");
const decide = (outcome: AttemptOutcome, attempts = 1, createdAt = now) =>
  afterAttempt(outcome, { attempts, createdAt, now, limits, random: () => 0.5 });
const answered = (status: number, retryAfter?: number): AttemptOutcome => ({
  kind: "answered",
  status,
  ...(retryAfter === undefined ? {} : { retryAfterMs: retryAfter }),
});

describe("after a delivery attempt", () => {
  it("a 2xx is delivered", () => {
    expect(decide(answered(204))).toMatchObject({
      state: WebhookDeliveryState.DELIVERED,
      deliveredAt: now,
      lastHttpStatus: 204,
    });
  });

  it("5xx, 408, 429 and network failures retry with exponential backoff", () => {
    for (const outcome of [
      answered(500),
      answered(408),
      answered(429),
      { kind: "network", message: "down" } as const,
    ]) {
      expect(decide(outcome, 3)).toMatchObject({
        state: WebhookDeliveryState.PENDING,
        nextAttemptAt: new Date(now.getTime() + 4000),
      });
    }
  });

  it("429 and 503 wait out Retry-After instead", () => {
    expect(decide(answered(503, 120_000)).nextAttemptAt).toEqual(new Date(now.getTime() + 120_000));
    expect(decide(answered(429, 5000)).nextAttemptAt).toEqual(new Date(now.getTime() + 5000));
    expect(decide(answered(500, 120_000)).nextAttemptAt).toEqual(new Date(now.getTime() + 1000));
  });

  it("refusals, redirects and other 4xx are final", () => {
    const refused = decide({ kind: "refused_address", message: "10.0.0.1 is internal" });
    expect(refused).toMatchObject({
      state: WebhookDeliveryState.GAVE_UP,
      lastErrorKind: "refused_address",
      gaveUpAt: now,
    });
    for (const status of [301, 400, 404, 410])
      expect(decide(answered(status)).state).toBe(WebhookDeliveryState.GAVE_UP);
  });

  it("give up at the attempt limit or when the next attempt would pass the age limit, saying why", () => {
    const last = decide(answered(500), 5);
    expect(last).toMatchObject({
      state: WebhookDeliveryState.GAVE_UP,
      lastErrorKind: "http_status",
      lastHttpStatus: 500,
    });
    expect(last.lastError).toContain("after 5 attempts");
    const old = decide(answered(500), 1, new Date(now.getTime() - 3_600_000));
    expect(old.state).toBe(WebhookDeliveryState.GAVE_UP);
    expect(old.lastError).toContain("older than 60 minutes");
  });

  it("Retry-After is read as seconds or an HTTP date", () => {
    expect(retryAfterMs("30", now)).toBe(30_000);
    expect(retryAfterMs("Wed, 01 Jan 2026 12:01:00 GMT", now)).toBe(60_000);
    expect(retryAfterMs("soon", now)).toBeUndefined();
    expect(retryAfterMs(null, now)).toBeUndefined();
  });
});
