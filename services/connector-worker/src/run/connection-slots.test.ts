import { describe, expect, it } from "vitest";
import { createConnectionSlots } from "./connection-slots.ts";

describe("connection slots", () => {
  it("never runs more than the cap for one connection, and does not hold back another", async () => {
    const slots = createConnectionSlots(2);
    let active = 0;
    let peak = 0;
    const gates: (() => void)[] = [];
    const call = () =>
      new Promise<void>((resolve) => {
        active++;
        peak = Math.max(peak, active);
        gates.push(() => {
          active--;
          resolve();
        });
      });
    const calls = Array.from({ length: 6 }, () => slots.run("a", call));
    await Promise.resolve();
    expect(slots.load("a")).toEqual({ active: 2, waiting: 4 });
    let otherRan = false;
    await slots.run("b", async () => {
      otherRan = true;
    });
    expect(otherRan).toBe(true);
    while (gates.length > 0 || active > 0) {
      gates.shift()?.();
      await new Promise((resolve) => setImmediate(resolve));
    }
    await Promise.all(calls);
    expect(peak).toBe(2);
    expect(slots.load("a")).toEqual({ active: 0, waiting: 0 });
  });

  it("frees the slot when a call fails", async () => {
    const slots = createConnectionSlots(1);
    await expect(slots.run("a", async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(await slots.run("a", async () => "next")).toBe("next");
  });
});
