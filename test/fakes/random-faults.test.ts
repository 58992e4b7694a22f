import { describe, expect, it } from "vitest";
import { createRandomFaults } from "./random-faults.ts";

describe("random fault draws", () => {
  it("splits [0, 1) into hang, fail and rate limit shares, and draws nothing when off", () => {
    let roll = 0;
    const faults = createRandomFaults([502, 503], () => roll);
    expect(faults.draw()).toBeUndefined();
    faults.set({ hangRate: 0.1, failRate: 0.2, rateLimitRate: 0.3, retryAfterSeconds: 4 });
    roll = 0.05;
    expect(faults.draw()).toEqual({ kind: "hang" });
    roll = 0.25;
    expect(faults.draw()).toEqual({ kind: "fail", status: 502 });
    roll = 0.5;
    expect(faults.draw()).toEqual({ kind: "rate_limit", retryAfterSeconds: 4 });
    roll = 0.7;
    expect(faults.draw()).toBeUndefined();
    faults.set({ hangRate: 0.1, delayRate: 0.2, delayMs: 1500 });
    roll = 0.2;
    expect(faults.draw()).toEqual({ kind: "delay", ms: 1500 });
    roll = 0.35;
    expect(faults.draw()).toBeUndefined();
    faults.set({});
    roll = 0;
    expect(faults.draw()).toBeUndefined();
  });

  it("refuses rates that are not probabilities or sum above 1", () => {
    const faults = createRandomFaults([500]);
    expect(() => faults.set({ failRate: -0.1 })).toThrow();
    expect(() => faults.set({ failRate: Number.NaN })).toThrow();
    expect(() => faults.set({ failRate: 0.6, rateLimitRate: 0.5 })).toThrow(/at most 1/);
  });
});
