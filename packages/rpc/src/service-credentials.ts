import { createHash, timingSafeEqual } from "node:crypto";
import { serviceNames, type ServiceName } from "./principal.ts";

/**
 * Service credentials: each Syncline process presents its own token (`SYNCLINE_SERVICE_TOKEN`) and
 * each server knows only the SHA-256 digests of the peers it accepts (`SYNCLINE_PEER_SERVICE_DIGESTS`,
 * `<service>=<hex digest>,...`), so a server's configuration never lets it impersonate its callers.
 */

/** The hex SHA-256 digest of a service token: what a peer's `SYNCLINE_PEER_SERVICE_DIGESTS` lists. */
export function serviceTokenDigest(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

/**
 * The peers a server accepts: service name → digests of its tokens (two during a rotation: list the
 * new digest beside the old one, switch the caller to the new token, then drop the old digest).
 */
export type PeerServiceDigests = ReadonlyMap<ServiceName, readonly Buffer[]>;

/**
 * Parses `<service>=<64 hex>` entries separated by commas (blank: no peers; a service may be listed
 * more than once, with different digests). Throws an Error naming the faulty entry by its service
 * name or position, never echoing a digest.
 */
export function parsePeerServiceDigests(raw: string | undefined): PeerServiceDigests {
  const peers = new Map<ServiceName, Buffer[]>();
  const entries = (raw ?? "")
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean);
  entries.forEach((entry, index) => {
    const [name, digest, ...rest] = entry.split("=").map((part) => part.trim());
    if (!serviceNames.includes(name as ServiceName)) {
      throw new Error(`entry ${index + 1}: the service must be one of ${serviceNames.join(", ")}`);
    }
    if (rest.length > 0 || !digest || !/^[0-9a-fA-F]{64}$/.test(digest)) {
      throw new Error(`${name}: the digest must be 64 hex characters (sha256 of its SYNCLINE_SERVICE_TOKEN)`);
    }
    const digests = peers.get(name as ServiceName) ?? [];
    const parsed = Buffer.from(digest, "hex");
    if (digests.some((known) => known.equals(parsed))) throw new Error(`${name} is listed twice with one digest`);
    peers.set(name as ServiceName, [...digests, parsed]);
  });
  return peers;
}

/** The `<service>=<digest>` form of `tokens`, as `SYNCLINE_PEER_SERVICE_DIGESTS` takes it. */
export function formatPeerServiceDigests(tokens: Partial<Record<ServiceName, string>>): string {
  return Object.entries(tokens)
    .map(([name, token]) => `${name}=${serviceTokenDigest(token as string)}`)
    .join(",");
}

/**
 * The peer whose token `presented` is, comparing its digest against every peer's in constant time.
 * `presentedDigest` is the raw SHA-256 of the presented token.
 */
export function matchPeer(presentedDigest: Buffer, peers: PeerServiceDigests): ServiceName | undefined {
  let found: ServiceName | undefined;
  for (const [name, digests] of peers) {
    for (const digest of digests) {
      if (timingSafeEqual(presentedDigest, digest) && found === undefined) found = name;
    }
  }
  return found;
}
