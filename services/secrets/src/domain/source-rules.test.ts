import { describe, expect, it } from "vitest";
import {
  bulkWriteViolations,
  folderDeletionViolations,
  folderLineage,
  folderPath,
  importViolations,
  normaliseFolderPath,
  updateViolations,
} from "./source-rules.ts";

describe("folder paths", () => {
  it("normalises slashes", () => {
    expect(normaliseFolderPath("/")).toEqual({ path: "/" });
    expect(normaliseFolderPath("/api//db/")).toEqual({ path: "/api/db" });
    expect(folderPath("path", "//api/")).toBe("/api");
  });

  it("refuses relative, dot segments and odd characters", () => {
    for (const bad of ["", "api", "/api/../x", "/./a", "/a b", "/a\u0000"]) {
      expect(normaliseFolderPath(bad)).toHaveProperty("problem");
    }
    expect(() => folderPath("new_path", "api")).toThrow(/new_path: must be absolute/);
  });

  it("lists the lineage root first", () => {
    expect(folderLineage("/a/b")).toEqual(["/", "/a", "/a/b"]);
    expect(folderLineage("/")).toEqual(["/"]);
  });
});

describe("rules across fields", () => {
  const field = (name: string) => `writes[3].${name}`;

  it("wants an update to change something and keeps the root folder", () => {
    expect(updateViolations({})).toEqual([
      { field: "value", description: "set value, comment or metadata (nothing to update)" },
    ]);
    expect(updateViolations({ comment: "" })).toEqual([]);
    expect(folderDeletionViolations("/").map((v) => v.field)).toEqual(["path"]);
    expect(folderDeletionViolations("/app")).toEqual([]);
    expect(importViolations({ environment: "dev", path: "/a" }, { environment: "dev", path: "/a" })).toHaveLength(1);
    expect(importViolations({ environment: "dev", path: "/a" }, { environment: "prod", path: "/a" })).toEqual([]);
  });

  it("lets the operation of a bulk write decide which fields it may set", () => {
    expect(bulkWriteViolations({ operation: "create" }, field).map((v) => v.field)).toEqual(["writes[3].value"]);
    expect(
      bulkWriteViolations({ operation: "upsert", value: "v", expectedVersion: 1 }, field).map((v) => v.field),
    ).toEqual(["writes[3].expected_version"]);
    expect(bulkWriteViolations({ operation: "update" }, field).map((v) => v.field)).toEqual(["writes[3].value"]);
    expect(bulkWriteViolations({ operation: "delete", value: "v", comment: "c" }, field).map((v) => v.field)).toEqual([
      "writes[3].value",
      "writes[3].comment",
    ]);
    expect(bulkWriteViolations({ operation: "delete", expectedVersion: 2 }, field)).toEqual([]);
  });
});
