import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { identityTokenPrefix, projectRoleToProto, type IdentityPrincipal, type ProjectRole } from "@syncline/rpc";
import type { IdentityRow, IdentityTokenRow, ProjectMemberRow } from "../service/identity-service.ts";

/** Maps identity rows and principals to API messages (init shapes); a token's value never passes here. */

export const identityMessage = (row: IdentityRow) => ({
  id: row.id,
  name: row.name,
  organizationAdmin: row.organizationAdmin,
  version: row.version,
  createTime: timestampFromDate(row.createdAt),
  updateTime: timestampFromDate(row.updatedAt),
});

export const identityTokenMessage = (row: IdentityTokenRow) => ({
  id: row.id,
  identityId: row.identityId,
  name: row.name,
  prefix: identityTokenPrefix(row.id),
  createTime: timestampFromDate(row.createdAt),
  expireTime: timestampFromDate(row.expiresAt),
  ...(row.revokedAt ? { revokeTime: timestampFromDate(row.revokedAt) } : {}),
  ...(row.lastUsedAt ? { lastUseTime: timestampFromDate(row.lastUsedAt) } : {}),
});

export const projectMemberMessage = (row: Pick<ProjectMemberRow, "projectId" | "identityId" | "role">) => ({
  projectId: row.projectId,
  identityId: row.identityId,
  role: projectRoleToProto(row.role as ProjectRole),
});

/** The memberships of an authenticated identity, as ProjectMember messages. */
export const principalMemberships = (principal: IdentityPrincipal) =>
  [...principal.projectRoles].map(([projectId, role]) =>
    projectMemberMessage({ projectId, identityId: principal.identityId, role }),
  );
