import { describe, expect, it } from "vitest";
import { createCommitGroups, type QueuedWrite } from "./commit-groups.ts";

/** A runner that records each group and holds it open until released. */
function recordingRunner() {
  const groups: string[][] = [];
  const releases: Array<() => void> = [];
  const runGroup = (_projectId: string, group: readonly QueuedWrite<string>[]) => {
    groups.push(group.map((q) => q.write));
    return new Promise<void>((resolve) => {
      releases.push(() => {
        for (const q of group) q.resolve(`done ${q.write}`);
        resolve();
      });
    });
  };
  const releaseNext = async () => {
    releases.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { groups, runGroup, releaseNext };
}

describe("commit groups", () => {
  it("starts a lone write at once and groups the writes that arrive while it runs", async () => {
    const runner = recordingRunner();
    const groups = createCommitGroups<string>({ maxGroupSize: 256, runGroup: runner.runGroup });
    const first = groups.submit("p", "a", "w1");
    expect(runner.groups).toEqual([["w1"]]);
    const rest = ["w2", "w3", "w4"].map((w, i) => groups.submit("p", `k${i}`, w));
    const other = groups.submit("q", "a", "elsewhere");
    expect(runner.groups).toEqual([["w1"], ["elsewhere"]]);
    await runner.releaseNext();
    expect(await first).toBe("done w1");
    expect(runner.groups).toEqual([["w1"], ["elsewhere"], ["w2", "w3", "w4"]]);
    await runner.releaseNext();
    await runner.releaseNext();
    expect(await Promise.all([...rest, other])).toEqual(["done w2", "done w3", "done w4", "done elsewhere"]);
  });

  it("puts a second write of one secret in the next group and bounds the group size", async () => {
    const runner = recordingRunner();
    const groups = createCommitGroups<string>({ maxGroupSize: 3, runGroup: runner.runGroup });
    void groups.submit("p", "x", "x1");
    for (const [secret, write] of [
      ["x", "x2"],
      ["y", "y1"],
      ["x", "x3"],
      ["y", "y2"],
      ["z", "z1"],
      ["w", "w1"],
    ])
      void groups.submit("p", secret!, write!);
    await runner.releaseNext();
    await runner.releaseNext();
    await runner.releaseNext();
    expect(runner.groups).toEqual([["x1"], ["x2", "y1", "z1"], ["x3", "y2", "w1"]]);
  });

  it("rejects every write of a group whose runner throws, and goes on with the next group", async () => {
    let calls = 0;
    const groups = createCommitGroups<string>({
      maxGroupSize: 10,
      runGroup: async (_p, group) => {
        calls += 1;
        if (calls === 1) throw new Error("broken");
        for (const q of group) q.resolve(q.write);
      },
    });
    const first = groups.submit("p", "a", "w1");
    const second = groups.submit("p", "b", "w2");
    await expect(first).rejects.toThrow("broken");
    expect(await second).toBe("w2");
  });
});
