import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * Identity tokens: `slt_<id>_<secret>`. The id (24 hex characters) locates the token's row and is
 * safe to show (lists, audit rows, logs); the secret (43 base64url characters, 256 random bits) is
 * compared in constant time against the SHA-256 digest the store keeps. The whole value is shown
 * once, when the token is created, and never stored.
 */
export const IDENTITY_TOKEN_PREFIX = "slt_";

const TOKEN_PATTERN = /^slt_([0-9a-f]{24})_([A-Za-z0-9_-]{43})$/;

/** A token split into what locates it and what proves it. */
export interface IdentityTokenParts {
  readonly tokenId: string;
  readonly secret: string;
}

/** A freshly issued token: the value (for the caller, once) and what the store keeps. */
export interface IssuedIdentityToken extends IdentityTokenParts {
  readonly value: string;
  /** SHA-256 of the secret: what the store keeps instead of the value. */
  readonly secretDigest: Buffer;
  /** `slt_<id>`: shown in lists so a holder can tell which token is which. */
  readonly prefix: string;
}

/** Issues a new token with a fresh id and secret. */
export function issueIdentityToken(): IssuedIdentityToken {
  const tokenId = randomBytes(12).toString("hex");
  const secret = randomBytes(32).toString("base64url");
  return {
    tokenId,
    secret,
    value: `${IDENTITY_TOKEN_PREFIX}${tokenId}_${secret}`,
    secretDigest: secretDigest(secret),
    prefix: identityTokenPrefix(tokenId),
  };
}

/** The shown prefix of the token with `tokenId`. */
export function identityTokenPrefix(tokenId: string): string {
  return `${IDENTITY_TOKEN_PREFIX}${tokenId}`;
}

/** Whether `token` looks like an identity token (other bearer tokens never start with `slt_`). */
export function looksLikeIdentityToken(token: string): boolean {
  return token.startsWith(IDENTITY_TOKEN_PREFIX);
}

/** The id and secret of a well-formed token; undefined for anything else. */
export function parseIdentityToken(token: string): IdentityTokenParts | undefined {
  const match = TOKEN_PATTERN.exec(token);
  return match ? { tokenId: match[1]!, secret: match[2]! } : undefined;
}

/** Whether the token id is of the issued shape (24 hex characters). */
export function isIdentityTokenId(tokenId: string): boolean {
  return /^[0-9a-f]{24}$/.test(tokenId);
}

/** SHA-256 of a token's secret. */
export function secretDigest(secret: string): Buffer {
  return createHash("sha256").update(secret, "utf8").digest();
}

/** Whether `secret` matches the stored `digest`, in time independent of where they differ. */
export function secretMatches(secret: string, digest: Uint8Array): boolean {
  const presented = secretDigest(secret);
  return digest.length === presented.length && timingSafeEqual(presented, digest);
}
