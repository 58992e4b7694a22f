import { describe, expect, it } from "vitest";
import type { FakeLoggedWrite } from "../fakes/write-log.ts";
import { staleOverNew } from "./destination-check.ts";
import { soakSequence, soakValue } from "./soak-fixture.ts";

const write = (seq: number, destination: string, key: string, value: string): FakeLoggedWrite => ({
  seq,
  at: seq,
  destination,
  key,
  value,
});

describe("soak values and the stale-over-new check", () => {
  it("encodes a per-key sequence number in every value and reads it back", () => {
    const value = soakValue("K3", 42);
    expect(value).toMatch(/^K3-42-[0-9a-f]{8}$/);
    expect(soakSequence(value)).toBe(42);
    expect(soakSequence("not-a-soak-value")).toBeUndefined();
  });

  it("flags a write whose sequence number is below one the same destination key already received", () => {
    const log = [
      write(1, "secret/soak/v0", "K0", "K0-1-aa"),
      write(2, "secret/soak/v0", "K0", "K0-3-bb"),
      write(3, "secret/soak/v0", "K0", "K0-3-bb"),
      write(4, "secret/soak/v1", "K0", "K0-2-cc"),
      write(5, "secret/soak/v0", "K1", "K1-1-dd"),
      write(6, "secret/soak/v0", "K0", "K0-2-ee"),
    ];
    expect(staleOverNew(log)).toEqual([{ destination: "secret/soak/v0", key: "K0", seq: 2, newerSeq: 3, at: 6 }]);
    expect(staleOverNew(log.slice(0, 5))).toEqual([]);
  });
});
