import type { SnapshotEntry } from "./source-snapshot.ts";

/**
 * The most a streamed snapshot chunk carries, in encoded bytes (README "Snapshots"): well under
 * the 4 MiB every gRPC client accepts by default, large enough that a 64 MiB source is only ~64
 * messages. A secret (at most 256 KiB of value, 255 characters of key, 32 small tags) always fits.
 */
export const snapshotChunkBytes = 1024 * 1024;

/** Per string, map entry and secret: tag and length prefixes, generously (a varint is ≤ 5 bytes). */
const FIELD_OVERHEAD = 8;

/**
 * An upper bound of the bytes one secret takes in a `SnapshotSecret` inside a chunk: the UTF-8
 * length of every string plus the tag and length prefixes around them.
 */
export function encodedSize(entry: SnapshotEntry): number {
  let size = FIELD_OVERHEAD * 5;
  for (const text of [entry.key, entry.value, entry.path, entry.environment]) size += Buffer.byteLength(text, "utf8");
  for (const [key, value] of Object.entries(entry.metadata)) {
    size += 3 * FIELD_OVERHEAD + Buffer.byteLength(key, "utf8") + Buffer.byteLength(value, "utf8");
  }
  return size;
}

/**
 * Splits `entries`, in order, into consecutive runs whose encoded size stays within `maxBytes`
 * (a secret larger than that travels alone). Lazy: a run is computed only when the stream asks
 * for the next message, so no more than one run of messages is built ahead of the reader.
 */
export function* chunkSnapshot(
  entries: readonly SnapshotEntry[],
  maxBytes = snapshotChunkBytes,
): Generator<SnapshotEntry[]> {
  let chunk: SnapshotEntry[] = [];
  let bytes = FIELD_OVERHEAD;
  for (const entry of entries) {
    const size = encodedSize(entry);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = FIELD_OVERHEAD;
    }
    chunk.push(entry);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
