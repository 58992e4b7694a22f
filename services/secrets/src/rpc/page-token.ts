/**
 * Page tokens: the sort key of the last item served, base64url-encoded. A token this service did
 * not issue (not canonical base64url, or not the right kind of key) is refused as INVALID_ARGUMENT.
 */

/** Encodes the sort key of the last item of a page. */
export function encodePageToken(lastKey: string | bigint | number): string {
  return Buffer.from(String(lastKey), "utf8").toString("base64url");
}

/** The key a token carries: "" for no token, undefined for a token this service did not issue. */
export function decodePageToken(token: string): string | undefined {
  if (token === "") return "";
  const decoded = Buffer.from(token, "base64url").toString("utf8");
  return decoded !== "" && Buffer.from(decoded, "utf8").toString("base64url") === token ? decoded : undefined;
}

/** A numeric key (sequence or version): undefined for no token, null for a token this service did not issue. */
export function decodeNumericPageToken(token: string): bigint | undefined | null {
  const decoded = decodePageToken(token);
  if (decoded === "") return undefined;
  if (decoded === undefined || !/^[1-9][0-9]{0,18}$/.test(decoded)) return null;
  return BigInt(decoded);
}

/** Checks a page size against its maximum; 0 means `fallback`. */
export function pageSize(requested: number, max: number, fallback: number): { size: number; problem?: string } {
  return requested > max ? { size: fallback, problem: `must be at most ${max}` } : { size: requested || fallback };
}

/** Splits `rows` (fetched with one extra) into a page and the token of the next one. */
export function paginate<T>(
  rows: readonly T[],
  size: number,
  keyOf: (row: T) => string | bigint | number,
): { page: T[]; nextPageToken: string } {
  const page = rows.slice(0, size);
  return { page, nextPageToken: rows.length > size ? encodePageToken(keyOf(page[page.length - 1]!)) : "" };
}
