import { describe, expect, it } from "vitest";
import { createImportGraph, importLimits, importProblem, precedenceOrder, type ImportEdge } from "./import-graph.ts";

const edge = (folderId: string, importFolderId: string, position: number): ImportEdge => ({
  folderId,
  importFolderId,
  position,
});

describe("import precedence", () => {
  it("puts the folder first, then each import by position with its own imports right after it", () => {
    const graph = createImportGraph([edge("app", "c", 2), edge("app", "b", 1), edge("b", "d", 1), edge("c", "d", 1)]);
    expect(precedenceOrder(graph, "app")).toEqual(["app", "b", "d", "c"]);
  });

  it("stops at the depth bound", () => {
    const edges = Array.from({ length: 15 }, (_, i) => edge(`f${i}`, `f${i + 1}`, 1));
    expect(precedenceOrder(createImportGraph(edges), "f0")).toHaveLength(importLimits.depth + 1);
  });
});

describe("import problems", () => {
  it("finds the cycle a new import would close, as a chain", () => {
    const graph = createImportGraph([edge("b", "c", 1), edge("c", "a", 1)]);
    expect(importProblem(graph, "a", "b")).toEqual({ cycle: ["a", "b", "c", "a"] });
    expect(importProblem(graph, "a", "a")).toEqual({ cycle: ["a", "a"] });
    expect(importProblem(graph, "b", "d")).toBeUndefined();
  });

  it("refuses chains longer than the bound, counting both sides of the new import", () => {
    const above = Array.from({ length: 5 }, (_, i) => edge(`u${i}`, `u${i + 1}`, 1)); // u0 → … → u5
    const below = Array.from({ length: 5 }, (_, i) => edge(`d${i}`, `d${i + 1}`, 1)); // d0 → … → d5
    const graph = createImportGraph([...above, ...below]);
    expect(importProblem(graph, "u5", "d1")).toBeUndefined(); // 5 + 1 + 4 = 10 steps
    const problem = importProblem(graph, "u5", "d0"); // 5 + 1 + 5 = 11 steps
    expect(problem).toEqual({ chain: ["u0", "u1", "u2", "u3", "u4", "u5", "d0", "d1", "d2", "d3", "d4", "d5"] });
  });
});
