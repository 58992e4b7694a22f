import { invalidArgument } from "@syncline/errors";

/**
 * One page-token format and one page-size rule for every list RPC. A token is opaque to callers:
 * base64url of `[list, position]`, where `list` names the list it came from (e.g. `runs:<sync id>`)
 * so a token of another list, or one this service did not issue, is refused as INVALID_ARGUMENT
 * naming `page_token` (the RPC edge refuses what is not a token at all, with the request's other
 * field violations; the list refuses a token of another list). The largest page size is a rule of each request's proto (`uint32.lte`);
 * 0 means the list's default.
 */

/** The token of the page after the one ending at `position` of `list`. */
export function encodePageToken(list: string, position: string): string {
  return Buffer.from(JSON.stringify([list, position]), "utf8").toString("base64url");
}

/** What `page_token` says when a token was refused, by the RPC edge (any list) or by its list. */
export const REFUSED_PAGE_TOKEN = "is not a token of this list; start without one";

/** The position a token of `list` carries, or undefined for a token this list did not issue. */
export function decodePageToken(list: string, token: string): string | undefined {
  const decoded = tokenParts(token);
  return decoded?.[0] === list ? decoded[1] : undefined;
}

/** True for "" and for a token of this format (of any list): the RPC edge refuses the rest. */
export function isPageToken(token: string): boolean {
  return token === "" || tokenParts(token) !== undefined;
}

function tokenParts(token: string): [string, string] | undefined {
  if (token === "" || Buffer.from(token, "base64url").toString("base64url") !== token) return undefined;
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
    const [list, position] = decoded as unknown[];
    return typeof list === "string" && typeof position === "string" ? [list, position] : undefined;
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
    throw invalidArgument([{ field: "page_token", description: REFUSED_PAGE_TOKEN }]);
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
