/**
 * Opaque page tokens: the position after the last item of a page, tagged with what is being
 * listed so a token of one list is refused by another. Undefined means "not a token of ours".
 */
export function encodePageToken(list: string, position: string): string {
  return Buffer.from(JSON.stringify([list, position]), "utf8").toString("base64url");
}

export function decodePageToken(list: string, token: string): string | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (!Array.isArray(decoded) || decoded.length !== 2 || decoded[0] !== list || typeof decoded[1] !== "string")
      return undefined;
    return decoded[1];
  } catch {
    return undefined;
  }
}
