import { types, type ParserOptions } from "@electric-sql/pglite";

/**
 * A `bytea` value as a Node `Buffer`. postgres.js already yields one; PGlite yields a plain
 * `Uint8Array`, which lacks `equals`, `toString("hex")` and friends. The copy-free view keeps the
 * bytes where they are.
 */
export function asBuffer(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * Parsers that make PGlite hand back what postgres.js hands back, for every query (drizzle's
 * typed selects and raw `execute` alike): `bytea` as `Buffer`, `int8` as its decimal string (PGlite
 * would give a number, or a `bigint` past 2^53). Drizzle's own per-query parsers (timestamps as
 * text) are merged over these.
 */
export const embeddedParsers: ParserOptions = {
  [types.BYTEA]: (text: string) => asBuffer(types.parseType(text, types.BYTEA) as Uint8Array),
  [types.INT8]: (text: string) => text,
};
