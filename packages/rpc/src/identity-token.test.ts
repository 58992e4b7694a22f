import { describe, expect, it } from "vitest";
import {
  identityTokenPrefix,
  issueIdentityToken,
  looksLikeIdentityToken,
  parseIdentityToken,
  secretMatches,
} from "./identity-token.ts";

describe("identity tokens", () => {
  it("issue slt_<24 hex id>_<43 base64url secret> values that parse back to their id and secret", () => {
    const issued = issueIdentityToken();
    expect(issued.value).toMatch(/^slt_[0-9a-f]{24}_[A-Za-z0-9_-]{43}$/);
    expect(issued.prefix).toBe(identityTokenPrefix(issued.tokenId));
    expect(issued.value.startsWith(issued.prefix)).toBe(true);
    expect(parseIdentityToken(issued.value)).toEqual({ tokenId: issued.tokenId, secret: issued.secret });
    expect(Buffer.from(issued.secret, "base64url")).toHaveLength(32);
    expect(issued.secretDigest).toHaveLength(32);
    expect(issued.secretDigest.toString("hex")).not.toContain(Buffer.from(issued.secret).toString("hex"));
  });

  it("are unique and unguessable from one another", () => {
    const values = new Set(Array.from({ length: 200 }, () => issueIdentityToken().value));
    expect(values.size).toBe(200);
  });

  it("refuse to parse anything of another shape", () => {
    const { value, tokenId, secret } = issueIdentityToken();
    for (const bad of [
      "",
      "slt_",
      value.slice(0, -1),
      `${value}x`,
      `slt_${tokenId.toUpperCase()}_${secret}`,
      `slx_${tokenId}_${secret}`,
      `slt_${tokenId}-${secret}`,
      `slt_${tokenId}_${secret.slice(1)}!`,
    ]) {
      expect(parseIdentityToken(bad), bad).toBeUndefined();
    }
    expect(looksLikeIdentityToken(value)).toBe(true);
    expect(looksLikeIdentityToken("bootstrap-abc")).toBe(false);
  });

  it("match a secret only against its own digest", () => {
    const a = issueIdentityToken();
    const b = issueIdentityToken();
    expect(secretMatches(a.secret, a.secretDigest)).toBe(true);
    expect(secretMatches(b.secret, a.secretDigest)).toBe(false);
    expect(secretMatches(a.secret, a.secretDigest.subarray(0, 16))).toBe(false);
  });
});
