import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type { IdentityVerificationService } from "@syncline/gen/syncline/identity/v1/identity_verification_service_pb.js";
import type { IdentityVerifier, ServiceHandlers } from "@syncline/rpc";
import { principalMemberships } from "./identity-messages.ts";

/**
 * IdentityVerificationService: the other services' remote IdentityVerifier. Answers with the
 * identity a token stands for, or with none (unknown, expired, revoked) — never with the token.
 */
export function verificationHandlers(verifier: IdentityVerifier): ServiceHandlers<typeof IdentityVerificationService> {
  return {
    async verifyIdentityToken(request, { signal }) {
      const verified = await verifier.verify(request.token, signal);
      if (!verified) return {};
      const { principal } = verified;
      return {
        identity: {
          identityId: principal.identityId,
          name: principal.name,
          tokenId: principal.tokenId,
          organizationAdmin: principal.organizationAdmin,
          memberships: principalMemberships(principal),
          expireTime: timestampFromMs(verified.expiresAt),
        },
      };
    },
  };
}
