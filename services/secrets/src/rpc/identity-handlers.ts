import { durationMs } from "@bufbuild/protobuf/wkt";
import type { IdentityService as IdentityServiceDescriptor } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { permissionDenied } from "@syncline/errors";
import {
  actorOf,
  paginate,
  projectRoleFromProto,
  readPageRequest,
  type Principal,
  type ServiceHandlers,
} from "@syncline/rpc";
import type { IdentityService } from "../service/identity-service.ts";
import {
  identityMessage,
  identityTokenMessage,
  principalMemberships,
  projectMemberMessage,
} from "./identity-messages.ts";

/**
 * IdentityService. Field rules are the protos' (checked at the edge); who may call is in
 * identity-access.ts, except "an identity may manage its own tokens", checked here.
 */
export function identityHandlers(identities: IdentityService): ServiceHandlers<typeof IdentityServiceDescriptor> {
  return {
    async createIdentity(request, { principal }) {
      const row = await identities.createIdentity(actorOf(principal), request.name, request.organizationAdmin);
      return { identity: identityMessage(row) };
    },

    async getIdentity(request) {
      return { identity: identityMessage(await identities.getIdentity(request.identityId)) };
    },

    async listIdentities(request) {
      const { size, after } = readPageRequest("identities", request, 100);
      const rows = await identities.listIdentities(after ?? "", size + 1);
      const { page, nextPageToken } = paginate("identities", rows, size, (row) => row.name);
      return { identities: page.map(identityMessage), nextPageToken };
    },

    async updateIdentity(request, { principal }) {
      const changes = { name: request.name, organizationAdmin: request.organizationAdmin };
      const row = await identities.updateIdentity(
        actorOf(principal),
        request.identityId,
        changes,
        request.expectedVersion === undefined ? undefined : BigInt(request.expectedVersion),
      );
      return { identity: identityMessage(row) };
    },

    async deleteIdentity(request, { principal }) {
      await identities.deleteIdentity(actorOf(principal), request.identityId);
      return {};
    },

    async createIdentityToken(request, { principal }) {
      assertSelfOrAdmin(principal, request.identityId, "create tokens of");
      const ttlMs = durationMs(request.ttl!);
      const { row, value } = await identities.createToken(actorOf(principal), request.identityId, request.name, ttlMs);
      return { token: identityTokenMessage(row), value };
    },

    async listIdentityTokens(request, { principal }) {
      assertSelfOrAdmin(principal, request.identityId, "list tokens of");
      const list = `tokens:${request.identityId}`;
      const { size, after } = readPageRequest(list, request, 100, (position) => parsePosition(position) !== undefined);
      const rows = await identities.listTokens(request.identityId, after ? parsePosition(after) : undefined, size + 1);
      const { page, nextPageToken } = paginate(list, rows, size, (row) => `${row.createdAt.toISOString()} ${row.id}`);
      return { tokens: page.map(identityTokenMessage), nextPageToken };
    },

    async revokeIdentityToken(request, { principal }) {
      assertSelfOrAdmin(principal, request.identityId, "revoke tokens of");
      const row = await identities.revokeToken(actorOf(principal), request.identityId, request.tokenId);
      return { token: identityTokenMessage(row) };
    },

    async getCallerIdentity(_request, { principal }) {
      if (principal.kind !== "identity") throw permissionDenied("GetCallerIdentity answers identities only");
      const row = await identities.getIdentity(principal.identityId);
      return {
        identity: identityMessage(row),
        tokenId: principal.tokenId,
        memberships: principalMemberships(principal),
      };
    },

    async setProjectMember(request, { principal }) {
      const role = projectRoleFromProto(request.role)!;
      const row = await identities.setMember(actorOf(principal), request.projectId, request.identityId, role);
      return { member: projectMemberMessage(row) };
    },

    async removeProjectMember(request, { principal }) {
      await identities.removeMember(actorOf(principal), request.projectId, request.identityId);
      return {};
    },

    async listProjectMembers(request) {
      const list = `members:${request.projectId}`;
      const { size, after } = readPageRequest(list, request, 100);
      const rows = await identities.listMembers(request.projectId, after, size + 1);
      const { page, nextPageToken } = paginate(list, rows, size, (row) => row.identityId);
      return { members: page.map(projectMemberMessage), nextPageToken };
    },
  };
}

/**
 * Identities manage their own tokens; organisation admins (and the bootstrap token, where its
 * access admits it) manage anyone's.
 */
function assertSelfOrAdmin(principal: Principal, identityId: string, what: string): void {
  if (principal.kind !== "identity" || principal.organizationAdmin || principal.identityId === identityId) return;
  throw permissionDenied(`only an organisation admin or the identity itself may ${what} an identity`);
}

/** A token list position: `<ISO creation time> <token id>`. */
function parsePosition(position: string): { createdAt: Date; id: string } | undefined {
  const [time, id, ...rest] = position.split(" ");
  const createdAt = new Date(time ?? "");
  return rest.length === 0 && id && !Number.isNaN(createdAt.getTime()) ? { createdAt, id } : undefined;
}
