import type { Principal } from "./principal.ts";

/**
 * Turns the bearer token of a call into its principal. The server calls it once per call, before
 * authorisation, so it must stay off the hot path: local checks (service credentials, the bootstrap
 * token) in constant time, identity tokens from a store or a remote verifier behind an in-process
 * cache whose staleness is bounded (a revoked token is refused within that bound).
 */
export interface Authenticator {
  /** The principal `token` stands for; ANONYMOUS for none, or an unknown, expired or revoked token. */
  authenticate(token: string | undefined, signal: AbortSignal): Promise<Principal>;
}
