import { create } from "@bufbuild/protobuf";
import { SecretSyncSchema, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { driftMessage, judgeDrift } from "./drift-check.ts";

const diff = {
  create: new Map([["GONE", "v"]]),
  update: new Map([
    ["EDITED", "v"],
    ["ALSO_EDITED", "w"],
  ]),
  delete: ["EXTRA"],
};
const sync = (autoSync: boolean, lastSyncedRevision: bigint) =>
  create(SecretSyncSchema, { options: { autoSync }, lastSyncedRevision });

describe("drift checks", () => {
  it("an ordinary run is a push whatever its diff", () => {
    expect(judgeDrift(SyncTrigger.SOURCE_CHANGE, sync(true, 5n), 5n, diff)).toEqual({ kind: "push" });
    expect(judgeDrift(SyncTrigger.RECONCILE, sync(false, 5n), 5n, diff)).toEqual({ kind: "push" });
  });

  it("with the source at the last synced revision, every difference is drift, repaired only for auto-sync", () => {
    const keys = { changed: ["ALSO_EDITED", "EDITED"], added: ["EXTRA"], removed: ["GONE"] };
    const check = (autoSync: boolean) => judgeDrift(SyncTrigger.DRIFT_CHECK, sync(autoSync, 5n), 5n, diff);
    expect(check(true)).toEqual({ kind: "drift", keys, repair: true });
    expect(check(false)).toEqual({ kind: "drift", keys, repair: false });
  });

  it("with a changed source it is a normal change: pushed for auto-sync, left alone for a manual sync", () => {
    expect(judgeDrift(SyncTrigger.DRIFT_CHECK, sync(true, 5n), 6n, diff)).toEqual({ kind: "push" });
    const manual = judgeDrift(SyncTrigger.DRIFT_CHECK, sync(false, 5n), 6n, diff);
    expect(manual.kind).toBe("skip");
    expect(judgeDrift(SyncTrigger.DRIFT_CHECK, sync(false, 0n), 0n, diff).kind).toBe("skip");
  });

  it("names at most 100 keys per kind", () => {
    const update = new Map(Array.from({ length: 150 }, (_, i) => [`K${i}`, "v"] as const));
    const many = { create: new Map(), update, delete: [] };
    const verdict = judgeDrift(SyncTrigger.DRIFT_CHECK, sync(true, 1n), 1n, many);
    expect(verdict.kind === "drift" && verdict.keys.changed.length).toBe(100);
  });

  it("messages name keys, never values, and say whether the drift was repaired", () => {
    const keys = { changed: ["EDITED"], added: [], removed: ["GONE"] };
    expect(driftMessage(5n, keys, true)).toBe(
      "drift at the destination since revision 5: changed EDITED; removed GONE; repaired (source written back)",
    );
    expect(driftMessage(5n, keys, false)).toContain("reported only");
    const none = { changed: [], added: [], removed: [] };
    expect(driftMessage(5n, none, false)).toBe("no drift: the destination equals source revision 5");
  });
});
