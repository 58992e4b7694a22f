import { describe, expect, it } from "vitest";
import type { FakeLoggedWrite } from "../fakes/write-log.ts";
import { soakSequence, soakValue } from "./soak-fixture.ts";
import { sequenceReversals, sourceRegressions, staleOverNew, type SourceVersion } from "./source-order.ts";

const write = (seq: number, destination: string, key: string, value: string): FakeLoggedWrite => ({
  seq,
  at: seq,
  destination,
  key,
  value,
});
const version = (folder: string, key: string, n: number, value: string): SourceVersion => ({
  folder,
  key,
  version: n,
  value,
});

// Folder /v0 (synced to secret/soak/v0): K0 committed seq 0, 1, 3, then 2 LATE (a timed-out call); K1 seq 0, 1.
// Folder /v1 (synced to secret/soak/v1): K0 seq 0, 1.
const history = [
  version("/v0", "K0", 1, "K0-0-a0"),
  version("/v0", "K0", 2, "K0-1-a1"),
  version("/v0", "K0", 3, "K0-3-a3"),
  version("/v0", "K0", 4, "K0-2-a2"),
  version("/v0", "K1", 1, "K1-0-b0"),
  version("/v0", "K1", 2, "K1-1-b1"),
  version("/v1", "K0", 1, "K0-0-c0"),
  version("/v1", "K0", 2, "K0-1-c1"),
];

describe("soak values and the stale-over-new check", () => {
  it("encodes a per-key sequence number in every value and reads it back", () => {
    const value = soakValue("K3", 42);
    expect(value).toMatch(/^K3-42-[0-9a-f]{8}$/);
    expect(soakSequence(value)).toBe(42);
    expect(soakSequence("not-a-soak-value")).toBeUndefined();
  });

  it("counts a source key whose commit order went back in sequence numbers as a source regression", () => {
    expect(sourceRegressions(history)).toEqual(["/v0:K0 seq 2 after 3"]);
    expect(sourceRegressions(history.filter((v) => v.version !== 4))).toEqual([]);
  });

  it("does not flag a destination that faithfully follows a source regression", () => {
    const log = [
      write(1, "secret/soak/v0", "K0", "K0-0-a0"),
      write(2, "secret/soak/v0", "K0", "K0-3-a3"),
      write(3, "secret/soak/v1", "K0", "K0-0-c0"),
      write(4, "secret/soak/v0", "K0", "K0-2-a2"),
      write(5, "secret/soak/v0", "K0", "K0-2-a2"),
    ];
    expect(staleOverNew(log, history)).toEqual({ stale: [], unknown: [] });
    // Judged by sequence numbers alone (the soak's former check), both writes of the late K0-2 look stale.
    expect(sequenceReversals(log)).toBe(2);
  });

  it("flags a destination going back in the source's commit order, even when the sequence number goes up", () => {
    const log = [
      write(1, "secret/soak/v0", "K0", "K0-3-a3"),
      write(2, "secret/soak/v0", "K1", "K1-1-b1"),
      write(3, "secret/soak/v0", "K0", "K0-2-a2"),
      write(4, "secret/soak/v0", "K0", "K0-3-a3"),
      write(5, "secret/soak/v1", "K0", "K0-1-c1"),
      write(6, "secret/soak/v0", "K1", "K1-0-b0"),
    ];
    expect(staleOverNew(log, history)).toEqual({
      stale: [
        { destination: "secret/soak/v0", key: "K0", seq: 3, newerSeq: 2, version: 3, newerVersion: 4, at: 4 },
        { destination: "secret/soak/v0", key: "K1", seq: 0, newerSeq: 1, version: 1, newerVersion: 2, at: 6 },
      ],
      unknown: [],
    });
  });

  it("reports, by key name, a destination value found in no version of its source key", () => {
    const log = [
      write(1, "secret/soak/v0", "K0", "K0-1-a1"),
      write(2, "secret/soak/v0", "K0", "K0-4-ff"),
      write(3, "secret/soak/v0", "K1", "K0-1-a1"),
      write(4, "secret/soak/v1", "K0", "K0-1-c1"),
      write(5, "secret/soak/v1", "K0", "K0-3-a3"),
    ];
    const check = staleOverNew(log, history);
    expect(check).toEqual({ stale: [], unknown: ["secret/soak/v0:K0", "secret/soak/v0:K1", "secret/soak/v1:K0"] });
    expect(JSON.stringify(check)).not.toContain("K0-4-ff");
  });
});
