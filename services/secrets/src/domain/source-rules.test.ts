import { describe, expect, it } from "vitest";
import {
  checkAuditActionPrefix,
  checkEnvironmentSlug,
  checkMetadata,
  checkSecretKey,
  checkSecretValue,
  checkVersion,
  folderLineage,
  limits,
  normaliseFolderPath,
} from "./source-rules.ts";

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

describe("metadata, versions and audit prefixes", () => {
  it("accepts tags up to the documented limits and refuses past them", () => {
    const full = Object.fromEntries(
      Array.from({ length: limits.metadataEntries }, (_, i) => [`k.${i}-_`, "v".repeat(limits.metadataValueLength)]),
    );
    expect(checkMetadata(full)).toBeUndefined();
    expect(checkMetadata({ ...full, extra: "v" })).toMatch(/at most 32 entries/);
    expect(checkMetadata({ ["k".repeat(64)]: "v" })).toBeUndefined();
    const bads: Array<Record<string, string>> = [
      { ["k".repeat(65)]: "v" },
      { "": "v" },
      { "a b": "v" },
      { "a/b": "v" },
      { a: "v".repeat(257) },
      { a: "tab\there" },
      { a: "del\u007f" },
    ];
    for (const bad of bads) {
      expect(checkMetadata(bad), JSON.stringify(bad)).toBeDefined();
    }
  });

  it("takes versions 1 to 2^31-1 and audit prefixes of lowercase words and dots", () => {
    expect(checkVersion(1n)).toBeUndefined();
    expect(checkVersion(2n ** 31n - 1n)).toBeUndefined();
    expect(checkVersion(0n)).toBeDefined();
    expect(checkVersion(2n ** 31n)).toBeDefined();
    expect(checkAuditActionPrefix("")).toBeUndefined();
    expect(checkAuditActionPrefix("secret_import.")).toBeUndefined();
    for (const bad of ["Secret.", "secret%", "a'--", "x".repeat(65)])
      expect(checkAuditActionPrefix(bad), bad).toBeDefined();
  });
});
