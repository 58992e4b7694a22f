import { describe, expect, it } from "vitest";
import { checkConnectionName, checkDescription, checkId } from "./connection-rules.ts";

describe("connection rules", () => {
  it("accepts slugs up to 64 characters as names", () => {
    expect(checkConnectionName("prod-vault")).toBeUndefined();
    expect(checkConnectionName("0")).toBeUndefined();
    expect(checkConnectionName("a".repeat(64))).toBeUndefined();
  });

  it.each(["", "-lead", "Upper", "under_score", "with space", "a".repeat(65), "é"])("refuses the name %j", (name) => {
    expect(checkConnectionName(name)).toBeDefined();
  });

  it("limits descriptions to 500 characters without control characters", () => {
    expect(checkDescription("")).toBeUndefined();
    expect(checkDescription("line one\nline\ttwo")).toBeUndefined();
    expect(checkDescription("x".repeat(500))).toBeUndefined();
    expect(checkDescription("x".repeat(501))).toMatch(/500/);
    expect(checkDescription("bell\u0007")).toBeDefined();
  });

  it("takes only UUIDs as ids", () => {
    expect(checkId("5f0c6b9e-3f7a-4c1e-9a53-0d7e2b8c1a44")).toBeUndefined();
    expect(checkId("")).toBe("is required");
    expect(checkId("5f0c6b9e")).toBe("must be a UUID");
  });
});
