import { describe, expect, it } from "vitest";
import { checkEnvironmentSlug, checkSecretKey, checkSecretValue, folderLineage, limits, normaliseFolderPath } from "./source-rules.ts";

describe("folder paths", () => {
  it("normalises slashes", () => {
    expect(normaliseFolderPath("/")).toEqual({ path: "/" });
    expect(normaliseFolderPath("/api//db/")).toEqual({ path: "/api/db" });
  });

  it("refuses relative, dot segments and odd characters", () => {
    for (const bad of ["", "api", "/api/../x", "/./a", "/a b", "/a\u0000"]) {
      expect(normaliseFolderPath(bad)).toHaveProperty("problem");
    }
  });

  it("lists the lineage root first", () => {
    expect(folderLineage("/a/b")).toEqual(["/", "/a", "/a/b"]);
    expect(folderLineage("/")).toEqual(["/"]);
  });
});

describe("keys, slugs and values", () => {
  it("accepts conventional keys and refuses the rest", () => {
    expect(checkSecretKey("DB_PASSWORD")).toBeUndefined();
    expect(checkSecretKey("_x.y-z")).toBeUndefined();
    expect(checkSecretKey("1ABC")).toBeDefined();
    expect(checkSecretKey("A B")).toBeDefined();
    expect(checkSecretKey("A".repeat(256))).toBeDefined();
  });

  it("checks slugs and value size", () => {
    expect(checkEnvironmentSlug("prod")).toBeUndefined();
    expect(checkEnvironmentSlug("Prod")).toBeDefined();
    expect(checkSecretValue("x".repeat(limits.valueBytes))).toBeUndefined();
    expect(checkSecretValue("x".repeat(limits.valueBytes + 1))).toBeDefined();
  });
});
