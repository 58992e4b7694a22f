import { createHash, timingSafeEqual } from "node:crypto";
import type { Authenticator } from "./authenticator.ts";
import { looksLikeIdentityToken } from "./identity-token.ts";
import type { IdentityVerifier } from "./identity-verifier.ts";
import { ANONYMOUS, BOOTSTRAP, type Principal } from "./principal.ts";
import { matchPeer, type PeerServiceDigests } from "./service-credentials.ts";

/** What a server accepts besides anonymous callers. */
export interface AuthenticatorOptions {
  /** `SYNCLINE_BOOTSTRAP_TOKEN`, where this process accepts it (the secrets service); else undefined. */
  readonly bootstrapToken?: string | undefined;
  /** The peers this server accepts (`SYNCLINE_PEER_SERVICE_DIGESTS`). */
  readonly serviceCredentials: PeerServiceDigests;
  /** Resolves identity tokens (`slt_...`), normally behind `createCachedVerifier`; none: refused. */
  readonly identities?: IdentityVerifier | undefined;
}

/**
 * The server's Authenticator: identity tokens (`slt_` prefix) go to the identity verifier; any
 * other token is compared, as a SHA-256 digest in constant time, with the bootstrap token and the
 * peers' digests. Anything unmatched is anonymous.
 */
export function createAuthenticator(options: AuthenticatorOptions): Authenticator {
  const bootstrapDigest = options.bootstrapToken ? sha256(options.bootstrapToken) : undefined;
  return {
    async authenticate(token, signal): Promise<Principal> {
      if (!token) return ANONYMOUS;
      if (looksLikeIdentityToken(token)) {
        const verified = await options.identities?.verify(token, signal);
        return verified?.principal ?? ANONYMOUS;
      }
      const presented = sha256(token);
      if (bootstrapDigest && timingSafeEqual(presented, bootstrapDigest)) return BOOTSTRAP;
      const service = matchPeer(presented, options.serviceCredentials);
      return service ? { kind: "service", service } : ANONYMOUS;
    },
  };
}

function sha256(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}
