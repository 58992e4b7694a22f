import { describe, expect, it } from "vitest";
import { checkMove, checkMovedPaths, isInSubtree, movedPath, parentPath } from "./folder-moves.ts";

describe("folder moves", () => {
  it("knows a subtree by whole segments", () => {
    expect(isInSubtree("/api/db", "/api")).toBe(true);
    expect(isInSubtree("/api", "/api")).toBe(true);
    expect(isInSubtree("/apis", "/api")).toBe(false);
    expect(isInSubtree("/x", "/")).toBe(true);
  });

  it("rewrites paths of a moved subtree and finds parents", () => {
    expect(movedPath("/api/db/x", "/api", "/svc/api")).toBe("/svc/api/db/x");
    expect(movedPath("/api", "/api", "/b")).toBe("/b");
    expect(parentPath("/a/b")).toBe("/a");
    expect(parentPath("/a")).toBe("/");
  });

  it("refuses moving the root, onto the root, or into the folder's own subtree", () => {
    expect(checkMove("/", "/x")?.field).toBe("path");
    expect(checkMove("/a", "/")?.field).toBe("new_path");
    expect(checkMove("/a", "/a/b")?.field).toBe("new_path");
    expect(checkMove("/a", "/a")?.field).toBe("new_path");
    expect(checkMove("/a", "/ab")).toBeUndefined();
  });

  it("refuses a move that would push a subfolder past the depth limit", () => {
    const deep = `/a${"/x".repeat(18)}`; // 19 levels
    expect(checkMovedPaths(["/a", deep], "/a", "/p/q/r")).toMatch(/deep/);
    expect(checkMovedPaths(["/a", deep], "/a", "/p/q")).toBeUndefined();
  });
});
