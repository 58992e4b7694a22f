import { randomBytes } from "node:crypto";
import { formatPeerServiceDigests, serviceNames, type ServiceName as RpcServiceName } from "@syncline/rpc";

/** The credentials of one test system: the bootstrap token and each service's own token. */
export interface SystemCredentials {
  readonly bootstrapToken: string;
  readonly serviceTokens: Record<RpcServiceName, string>;
}

/** Fresh credentials (every system has its own). */
export function freshCredentials(): SystemCredentials {
  const serviceTokens = Object.fromEntries(
    serviceNames.map((name) => [name, `${name}-${randomBytes(24).toString("base64url")}`]),
  ) as Record<RpcServiceName, string>;
  return { bootstrapToken: `bootstrap-${randomBytes(24).toString("base64url")}`, serviceTokens };
}

/** Who calls whom: the peers each service's server accepts (the same table as deploy/local/up.sh's). */
export const servicePeers: Record<RpcServiceName, readonly RpcServiceName[]> = {
  secrets: ["connections", "sync-orchestrator", "connector-worker"],
  connections: ["sync-orchestrator", "connector-worker"],
  "sync-orchestrator": ["connector-worker"],
  "connector-worker": [],
};

/** `SYNCLINE_PEER_SERVICE_DIGESTS` of `service` in a system with `credentials`. */
export function peerDigestsOf(service: RpcServiceName, credentials: SystemCredentials): string {
  return formatPeerServiceDigests(
    Object.fromEntries(servicePeers[service].map((peer) => [peer, credentials.serviceTokens[peer]])),
  );
}

/**
 * The credential variables of one service process: its own token, the digests of the peers it
 * accepts, and (the secrets service only) the bootstrap token.
 */
export function credentialVariables(service: RpcServiceName, credentials: SystemCredentials): Record<string, string> {
  return {
    SYNCLINE_SERVICE_TOKEN: credentials.serviceTokens[service],
    SYNCLINE_PEER_SERVICE_DIGESTS: peerDigestsOf(service, credentials),
    ...(service === "secrets" ? { SYNCLINE_BOOTSTRAP_TOKEN: credentials.bootstrapToken } : {}),
  };
}
