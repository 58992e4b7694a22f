import { ConnectorError, type DestinationLimits } from "@syncline/connectors";
import { createKeySchema } from "@syncline/connectors/sync";
import { describe, expect, it } from "vitest";
import { checkPreFlight, findOffences, PRE_FLIGHT_NAMED } from "./pre-flight.ts";

/**
 * Pre-flight names every secret a destination cannot hold — key rule after the key schema, value
 * size, the destination's own per-entry rule, count — in one final failure, never a value.
 */
const limits: DestinationLimits = {
  maxSecrets: 5,
  maxValueBytes: 10,
  keyPattern: /^[A-Z_]{1,12}$/,
  keyRule: "upper-case letters and '_', at most 12",
  checkEntry: (_key, value) => (value.includes("\n") ? "a masked value must be one line" : undefined),
};
const schema = createKeySchema("APP_{{secretKey}}", "dev");

function failureOf(desired: Record<string, string>, rules = limits): ConnectorError {
  try {
    checkPreFlight(new Map(Object.entries(desired)), schema, rules);
  } catch (error) {
    if (error instanceof ConnectorError) return error;
    throw error;
  }
  throw new Error("pre-flight passed");
}

describe("pre-flight", () => {
  it("passes a source the destination can hold", () => {
    expect(() => checkPreFlight(new Map([["OK", "small"]]), schema, limits)).not.toThrow();
  });

  it("names every offending key with its problem, never a value", () => {
    const failure = failureOf({
      OK: "fine",
      "lower.case": "fine",
      BIG: "x-secret-value-over-ten",
      MULTI: "line-1\nline-2",
    });
    expect(failure.kind).toBe("invalid_config");
    expect(failure.message).toContain("3 secrets break the destination's rules");
    expect(failure.message).toContain("lower.case (as APP_lower.case): breaks the key rule");
    expect(failure.message).toContain("BIG (as APP_BIG): value of 23 bytes is over the 10-byte limit");
    expect(failure.message).toContain("MULTI (as APP_MULTI): a masked value must be one line");
    expect(failure.message).toContain("key rule: upper-case letters");
    expect(failure.message).not.toMatch(/x-secret|line-1/);
    expect(failure.message).not.toMatch(/\bOK\b/);
  });

  it("is limit_exceeded when only sizes or the count are over, and states the count", () => {
    const failure = failureOf({ A: "x".repeat(11), B: "1", C: "1", D: "1", E: "1", F: "1" });
    expect(failure.kind).toBe("limit_exceeded");
    expect(failure.message).toContain("the source has 6 secrets; this destination holds at most 5");
    expect(failure.message).toContain("1 secret breaks the destination's rules: A (as APP_A)");
  });

  it("bounds the message: names the first offences and counts the rest", () => {
    const desired = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`k${String(i).padStart(2, "0")}`, "v"]));
    const failure = failureOf(desired, { ...limits, maxSecrets: 100 });
    expect(failure.message).toContain(`and ${30 - PRE_FLIGHT_NAMED} more`);
    expect(failure.message).toContain("k00");
    expect(failure.message).not.toContain("k29");
    expect(failure.message.length).toBeLessThan(1000);
  });

  it("checks the destination key, after the key schema", () => {
    const offences = findOffences(new Map([["LONG_NAME", "v"]]), schema, limits);
    expect(offences).toEqual([
      { key: "LONG_NAME", destinationKey: "APP_LONG_NAME", problem: "breaks the key rule", rule: true },
    ]);
  });
});
