import type { Authenticator } from "./authenticator.ts";
import { createCachedVerifier } from "./cached-verifier.ts";
import { createAuthenticator } from "./create-authenticator.ts";
import { createRemoteIdentityVerifier } from "./remote-identity-verifier.ts";
import type { PeerServiceDigests } from "./service-credentials.ts";

/** What a service that verifies identity tokens through the secrets service needs. */
export interface RemoteAuthenticatorOptions {
  /** host:port of the secrets service. */
  readonly secretsAddress: string;
  /** This process's own credential (the secrets service lists its digest). */
  readonly serviceToken: string;
  /** The peers this server accepts. */
  readonly peerServiceDigests: PeerServiceDigests;
  /** `SYNCLINE_TOKEN_CACHE_TTL_MS`. */
  readonly tokenCacheTtlMs: number;
  /** Told whether each identity lookup was answered from the cache. */
  readonly onLookup?: (outcome: "hit" | "miss") => void;
}

/**
 * The Authenticator of connections and the orchestrator: peers by digest, identity tokens through
 * the secrets service's IdentityVerificationService behind the in-process cache. No bootstrap
 * token: it only bootstraps, on the secrets service. `close` closes the verification client.
 */
export function createRemoteAuthenticator(options: RemoteAuthenticatorOptions): Authenticator & { close(): void } {
  const remote = createRemoteIdentityVerifier({ address: options.secretsAddress, serviceToken: options.serviceToken });
  const identities = createCachedVerifier(remote, {
    ttlMs: options.tokenCacheTtlMs,
    maxEntries: 10_000,
    ...(options.onLookup ? { onLookup: options.onLookup } : {}),
  });
  const authenticator = createAuthenticator({ serviceCredentials: options.peerServiceDigests, identities });
  return { authenticate: authenticator.authenticate, close: () => remote.close() };
}
