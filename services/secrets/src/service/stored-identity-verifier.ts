import { traced, type Database } from "@syncline/db";
import { parseIdentityToken, secretMatches, type IdentityVerifier, type ProjectRole } from "@syncline/rpc";
import type { Logger } from "@syncline/telemetry";
import * as store from "../store/identity-store.ts";

/** last_use_time is written at most this often per token. */
const LAST_USE_GRANULARITY_MS = 60_000;

/**
 * The secrets service's own IdentityVerifier: finds the token by its id, compares its secret with
 * the stored digest in constant time, refuses revoked and expired tokens and tokens of deleted
 * identities, and answers with the identity's memberships. The last-use time is written in the
 * background (at most once a minute per token), never awaited by the call.
 */
export function createStoredIdentityVerifier(deps: {
  readonly db: Database;
  readonly logger: Logger;
  readonly now?: () => Date;
}): IdentityVerifier {
  const now = deps.now ?? (() => new Date());
  return {
    async verify(token) {
      const parts = parseIdentityToken(token);
      if (!parts) return undefined;
      const found = await traced("identity_tokens.verify", () => store.findTokenWithIdentity(deps.db, parts.tokenId));
      if (!found || !secretMatches(parts.secret, found.token.secretDigest)) return undefined;
      const at = now();
      if (found.token.revokedAt || found.token.expiresAt <= at) return undefined;
      const memberships = await store.listMemberships(deps.db, found.identity.id);
      const lastUse = found.token.lastUsedAt?.getTime() ?? 0;
      if (at.getTime() - lastUse >= LAST_USE_GRANULARITY_MS) {
        store.touchToken(deps.db, parts.tokenId, at, LAST_USE_GRANULARITY_MS).catch((error: unknown) => {
          deps.logger.warn({ err: error, tokenId: parts.tokenId }, "could not record a token's last use");
        });
      }
      return {
        principal: {
          kind: "identity",
          identityId: found.identity.id,
          name: found.identity.name,
          tokenId: parts.tokenId,
          organizationAdmin: found.identity.organizationAdmin,
          projectRoles: new Map(memberships.map((m) => [m.projectId, m.role as ProjectRole])),
        },
        expiresAt: found.token.expiresAt.getTime(),
      };
    },
  };
}
