import { describe, expect, it } from "vitest";
import { isReconcilable, reconcileDelayMs, retryMessage } from "./reconcile-schedule.ts";

const backoff = { baseMs: 30_000, maxMs: 3_600_000 };
const noJitter = () => 0.5;

describe("the reconciler's schedule", () => {
  it("doubles from the base: 30 s, 1 min, 2 min, 4 min …", () => {
    const delays = [1, 2, 3, 4, 5].map((retry) => reconcileDelayMs(retry, backoff, noJitter));
    expect(delays).toEqual([30_000, 60_000, 120_000, 240_000, 480_000]);
  });

  it("is capped at the maximum however many retries failed", () => {
    expect(reconcileDelayMs(8, backoff, noJitter)).toBe(3_600_000);
    expect(reconcileDelayMs(1000, backoff, noJitter)).toBe(3_600_000);
    expect(reconcileDelayMs(1000, backoff, () => 0.999)).toBe(3_600_000);
  });

  it("jitters by at most a tenth, never below 1 s", () => {
    expect(reconcileDelayMs(1, backoff, () => 0)).toBe(27_000);
    expect(reconcileDelayMs(1, backoff, () => 0.999)).toBeLessThanOrEqual(33_000);
    expect(reconcileDelayMs(1, { baseMs: 500, maxMs: 2000 }, () => 0)).toBe(1000);
  });

  it("retries what time can cure and leaves what needs a person", () => {
    const retried = ["transient", "breaker_open", "rate_limited", "conflict", "lease_lost", ""];
    const needPerson = ["auth", "invalid_config", "limit_exceeded", "not_found", "unsupported"];
    for (const kind of retried) expect(isReconcilable(kind), kind).toBe(true);
    for (const kind of needPerson) expect(isReconcilable(kind), kind).toBe(false);
  });

  it("says when the next attempt is", () => {
    const message = retryMessage("the destination did not answer in time", new Date("2026-01-01T10:00:00Z"));
    expect(message).toBe("the destination did not answer in time; will retry at 2026-01-01T10:00:00.000Z");
  });
});
