import { timingSafeEqual, createHash } from "node:crypto";
import type { Metadata } from "@grpc/grpc-js";
import { permissionDenied, unauthenticated } from "@syncline/errors";

/**
 * Who is calling. `admin` holds the bootstrap admin token (external API); `service` holds the
 * internal service credential (snapshots, credential resolution); `anonymous` is for health and
 * reflection only.
 */
export type Principal = "admin" | "service" | "anonymous";

/** The credentials a server accepts. */
export interface TokenSet {
  readonly adminToken: string;
  readonly internalToken: string;
}

/** Which principals may call a method. */
export type Access = readonly Principal[];

/** Resolves the bearer token in `authorization` metadata to a principal, in constant time. */
export function authenticate(metadata: Metadata, tokens: TokenSet): Principal {
  const header = metadata.get("authorization")[0];
  if (typeof header !== "string") return "anonymous";
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  if (!match?.[1]) return "anonymous";
  const presented = digest(match[1]);
  if (timingSafeEqual(presented, digest(tokens.adminToken))) return "admin";
  if (timingSafeEqual(presented, digest(tokens.internalToken))) return "service";
  return "anonymous";
}

/** Throws unauthenticated or permission_denied unless `principal` is allowed by `access`. */
export function authorize(principal: Principal, access: Access, method: string): void {
  if (access.includes(principal)) return;
  if (principal === "anonymous") {
    throw unauthenticated(`${method} needs a valid bearer token in the "authorization" metadata`);
  }
  throw permissionDenied(`${method} is not available to the ${principal} credential`);
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}
