import { timestampMs } from "@bufbuild/protobuf/wkt";
import { IdentityVerificationService } from "@syncline/gen/syncline/identity/v1/identity_verification_service_pb.js";
import type { VerifiedIdentity as VerifiedIdentityMessage } from "@syncline/gen/syncline/identity/v1/identity_verification_service_pb.js";
import { createRpcClient } from "./client.ts";
import type { IdentityVerifier, VerifiedIdentity } from "./identity-verifier.ts";
import type { ProjectRole } from "./principal.ts";
import { projectRoleFromProto } from "./project-role-proto.ts";

/** A verifier asking the secrets service (IdentityVerificationService), with this process's service token. */
export interface RemoteIdentityVerifier extends IdentityVerifier {
  close(): void;
}

/**
 * Verifies identity tokens through the secrets service. An unreachable secrets service fails the
 * call (UNAVAILABLE for the caller) rather than refusing the token, and nothing is cached then.
 */
export function createRemoteIdentityVerifier(options: {
  readonly address: string;
  readonly serviceToken: string;
  readonly deadlineMs?: number;
}): RemoteIdentityVerifier {
  const client = createRpcClient(IdentityVerificationService, {
    address: options.address,
    token: options.serviceToken,
    deadlineMs: options.deadlineMs ?? 5000,
  });
  return {
    async verify(token, signal) {
      const { identity } = await client.verifyIdentityToken({ token }, { signal });
      return identity ? verifiedIdentityOf(identity) : undefined;
    },
    close: () => client.close(),
  };
}

/** The VerifiedIdentity a VerifyIdentityToken answer describes. */
export function verifiedIdentityOf(message: VerifiedIdentityMessage): VerifiedIdentity {
  const projectRoles = new Map<string, ProjectRole>();
  for (const member of message.memberships) {
    const role = projectRoleFromProto(member.role);
    if (role) projectRoles.set(member.projectId, role);
  }
  return {
    principal: {
      kind: "identity",
      identityId: message.identityId,
      name: message.name,
      tokenId: message.tokenId,
      organizationAdmin: message.organizationAdmin,
      projectRoles,
    },
    expiresAt: message.expireTime ? timestampMs(message.expireTime) : 0,
  };
}
