import type { IdentityPrincipal } from "./principal.ts";

/** What an identity token stands for, and until when at the latest. */
export interface VerifiedIdentity {
  readonly principal: IdentityPrincipal;
  /** Epoch milliseconds after which the token is refused, whatever a cache remembers. */
  readonly expiresAt: number;
}

/**
 * Resolves identity tokens: the secrets service from its store, the other services through the
 * secrets service's IdentityVerificationService. Both sit behind `createCachedVerifier`.
 */
export interface IdentityVerifier {
  /** The identity `token` stands for now; undefined for an unknown, malformed, expired or revoked token. */
  verify(token: string, signal: AbortSignal): Promise<VerifiedIdentity | undefined>;
}
