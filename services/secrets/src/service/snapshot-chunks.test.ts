import { create, toBinary } from "@bufbuild/protobuf";
import { StreamSourceSnapshotResponseSchema } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { describe, expect, it } from "vitest";
import { limits } from "../domain/source-rules.ts";
import { chunkSnapshot, snapshotChunkBytes } from "./snapshot-chunks.ts";
import type { SnapshotEntry } from "./source-snapshot.ts";

/** The encoded size of the stream message a chunk of `entries` becomes. */
const messageBytes = (entries: SnapshotEntry[]) => {
  const message = create(StreamSourceSnapshotResponseSchema, { part: { case: "chunk", value: { secrets: entries } } });
  return toBinary(StreamSourceSnapshotResponseSchema, message).length;
};

const entry = (i: number, valueBytes: number, extra: Partial<SnapshotEntry> = {}): SnapshotEntry => ({
  key: `KEY_${i}`,
  value: "é".repeat(Math.floor(valueBytes / 2)) + "x".repeat(valueBytes % 2),
  environment: "prod",
  path: "/api/db",
  metadata: {},
  ...extra,
});

describe("snapshot chunks", () => {
  it("keep every secret once, in order, each message within 1 MiB encoded (multi-byte values included)", () => {
    const entries = Array.from({ length: 300 }, (_, i) => entry(i, 1000 + ((i * 7919) % limits.valueBytes)));
    const chunks = [...chunkSnapshot(entries)];
    expect(chunks.flat()).toEqual(entries);
    for (const chunk of chunks) expect(messageBytes(chunk)).toBeLessThanOrEqual(snapshotChunkBytes);
    // Packed, not one secret per message: ~38 MiB in 1 MiB chunks.
    expect(chunks.length).toBeLessThan(60);
  });

  it("fit the largest secret the rules allow (256 KiB value, longest key, 32 longest tags) three to a message", () => {
    const tag = (i: number) => [`${i}`.padEnd(limits.metadataKeyLength, "k"), "v".repeat(limits.metadataValueLength)];
    const metadata = Object.fromEntries(Array.from({ length: limits.metadataEntries }, (_, i) => tag(i)));
    const key = (i: number) => `K${i}`.padEnd(limits.keyLength, "_");
    const largest = (i: number) => entry(i, limits.valueBytes, { key: key(i), metadata });
    const chunks = [...chunkSnapshot(Array.from({ length: 9 }, (_, i) => largest(i)))];
    expect(chunks.map((c) => c.length)).toEqual([3, 3, 3]);
    for (const chunk of chunks) expect(messageBytes(chunk)).toBeLessThanOrEqual(snapshotChunkBytes);
  });

  it("send a secret larger than a chunk alone, and nothing for an empty snapshot", () => {
    const chunks = [...chunkSnapshot([entry(1, 10), entry(2, 5000), entry(3, 10)], 1000)];
    expect(chunks.map((c) => c.map((e) => e.key))).toEqual([["KEY_1"], ["KEY_2"], ["KEY_3"]]);
    expect([...chunkSnapshot([])]).toEqual([]);
  });
});
