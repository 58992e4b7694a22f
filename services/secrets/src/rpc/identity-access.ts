import type { IdentityService } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { IdentityVerificationService } from "@syncline/gen/syncline/identity/v1/identity_verification_service_pb.js";
import { everyMethod, type MethodAccess, type ServiceAccess } from "@syncline/rpc";

const organizationAdmin: MethodAccess = { identity: { organizationAdmin: true } };
/** Any identity may call; the handler admits organisation admins and the identity itself only. */
const selfOrOrganizationAdmin: MethodAccess = { identity: { anyIdentity: true } };

/**
 * Who may call IdentityService. The bootstrap token only bootstraps: it creates identities and
 * their tokens and lists identities. An identity manages its own tokens (rotation) — the handlers
 * check "itself" — and organisation admins manage everyone's. Project membership rules are
 * organisation admin for now (project admins come with the roles tables).
 */
export const identityAccess: ServiceAccess<typeof IdentityService> = {
  createIdentity: { bootstrap: true, ...organizationAdmin },
  getIdentity: organizationAdmin,
  listIdentities: { bootstrap: true, ...organizationAdmin },
  updateIdentity: organizationAdmin,
  deleteIdentity: organizationAdmin,
  createIdentityToken: { bootstrap: true, ...selfOrOrganizationAdmin },
  listIdentityTokens: selfOrOrganizationAdmin,
  revokeIdentityToken: selfOrOrganizationAdmin,
  getCallerIdentity: { identity: { anyIdentity: true } },
  setProjectMember: organizationAdmin,
  removeProjectMember: organizationAdmin,
  listProjectMembers: organizationAdmin,
};

/** Only the services that accept identity tokens verify them here. */
export const identityVerificationAccess: ServiceAccess<typeof IdentityVerificationService> = everyMethod(
  IdentityVerificationService,
  { services: ["connections", "sync-orchestrator"] },
);
