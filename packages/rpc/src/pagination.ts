import { invalidArgument } from "@syncline/errors";

/**
 * One page-token format and one page-size rule for every list RPC. A token is opaque to callers:
 * base64url of `[list, position]`, where `list` names the list it came from (e.g. `runs:<sync id>`)
 * so a token of another list, or one this service did not issue, is refused as INVALID_ARGUMENT
 * naming `page_token`. The largest page size is a rule of each request's proto (`uint32.lte`);
 * 0 means the list's default.
 */

/** The token of the page after the one ending at `position` of `list`. */
export function encodePageToken(list: string, position: string): string {
  return Buffer.from(JSON.stringify([list, position]), "utf8").toString("base64url");
}

/** The position a token of `list` carries, or undefined for a token this list did not issue. */
export function decodePageToken(list: string, token: string): string | undefined {
  if (token === "" || Buffer.from(token, "base64url").toString("base64url") !== token) return undefined;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (!Array.isArray(decoded) || decoded.length !== 2 || decoded[0] !== list || typeof decoded[1] !== "string")
      return undefined;
    return decoded[1];
  } catch {
    return undefined;
  }
}

/** The page size to serve: the request's, or `defaultSize` when it asks for 0. */
export function pageSize(requested: number, defaultSize: number): number {
  return requested === 0 ? defaultSize : requested;
}

/** A list request's page: how many items, and the position to start after (undefined: from the start). */
export interface PageRequest {
  readonly size: number;
  readonly after: string | undefined;
}

/**
 * Reads `page_size` and `page_token` of a list request. `isPosition` refuses a token whose position
 * this list could not have written (e.g. not a number where positions are sequence numbers).
 */
export function readPageRequest(
  list: string,
  request: { readonly pageSize: number; readonly pageToken: string },
  defaultSize: number,
  isPosition: (position: string) => boolean = () => true,
): PageRequest {
  const size = pageSize(request.pageSize, defaultSize);
  if (request.pageToken === "") return { size, after: undefined };
  const after = decodePageToken(list, request.pageToken);
  if (after === undefined || !isPosition(after)) {
    throw invalidArgument([{ field: "page_token", description: "is not a token of this list; start without one" }]);
  }
  return { size, after };
}

/** Splits `rows` (fetched with one extra) into a page and the token of the next one ("" at the end). */
export function paginate<T>(
  list: string,
  rows: readonly T[],
  size: number,
  positionOf: (row: T) => string | bigint | number,
): { page: T[]; nextPageToken: string } {
  const page = rows.slice(0, size);
  const last = page[page.length - 1];
  return {
    page,
    nextPageToken: rows.length > size && last !== undefined ? encodePageToken(list, String(positionOf(last))) : "",
  };
}
