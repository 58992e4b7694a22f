import { describe, expect, it } from "vitest";
import { backoffDelayMs } from "./backoff.ts";

describe("backoffDelayMs", () => {
  const backoff = { baseMs: 500, maxMs: 60_000, jitter: 0.2 };

  it("doubles from the base and stops at the cap", () => {
    const none = () => 0.5;
    expect([1, 2, 3, 4].map((attempt) => backoffDelayMs(attempt, backoff, none))).toEqual([500, 1000, 2000, 4000]);
    expect(backoffDelayMs(30, backoff, none)).toBe(60_000);
    expect(backoffDelayMs(1_000, backoff, none)).toBe(60_000);
  });

  it("spreads by the jitter and keeps within the floor and the cap", () => {
    expect(backoffDelayMs(1, backoff, () => 0)).toBe(400);
    expect(backoffDelayMs(1, backoff, () => 0.999_999)).toBe(600);
    expect(backoffDelayMs(1, { ...backoff, minMs: 1000 }, () => 0)).toBe(1000);
    expect(backoffDelayMs(20, backoff, () => 0.999_999)).toBe(60_000);
  });
});
