import { randomUUID } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { isDomainError } from "@syncline/errors";
import {
  GetAppConnectionRequestSchema,
  UpdateAppConnectionRequestSchema,
} from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import {
  ListAuditEventsRequestSchema,
  ListSecretsRequestSchema,
} from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { CheckDestinationRequestSchema } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import {
  ANONYMOUS,
  authorizeCall,
  BOOTSTRAP,
  serviceNames,
  type IdentityPrincipal,
  type MethodAccess,
  type Principal,
  type ProjectRole,
} from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { publicServiceTables } from "../docs/role-matrix.ts";
import { connectionsAccess } from "../../services/connections/src/rpc/connections-access.ts";
import { secretsAccess } from "../../services/secrets/src/rpc/secrets-access.ts";
import { secretSyncsAccess } from "../../services/sync-orchestrator/src/rpc/orchestrator-access.ts";

const projectA: string = randomUUID();
const projectB: string = randomUUID();
const member = (roles: Record<string, ProjectRole>, organizationAdmin = false): IdentityPrincipal => ({
  kind: "identity",
  identityId: randomUUID(),
  name: "someone",
  tokenId: randomUUID(),
  organizationAdmin,
  projectRoles: new Map(Object.entries(roles)),
});

/** The error kind `principal` gets for the call, or "ok". */
async function outcome(principal: Principal, access: MethodAccess, request: unknown): Promise<string> {
  try {
    await authorizeCall(principal, access, request, "Test", new AbortController().signal);
    return "ok";
  } catch (error) {
    return isDomainError(error) ? error.kind : "unexpected";
  }
}

describe("access tables", () => {
  it("reading secret values needs developer; keys alone viewer", async () => {
    const keys = create(ListSecretsRequestSchema, { projectId: projectA });
    const values = create(ListSecretsRequestSchema, { projectId: projectA, includeValues: true });
    const viewer = member({ [projectA]: "viewer" });
    expect(await outcome(viewer, secretsAccess.listSecrets, keys)).toBe("ok");
    expect(await outcome(viewer, secretsAccess.listSecrets, values)).toBe("permission_denied");
    expect(await outcome(member({ [projectA]: "developer" }), secretsAccess.listSecrets, values)).toBe("ok");
  });

  it("a role in one project opens nothing in another, and an audit listing of every project is for organisation admins", async () => {
    const adminOfB = member({ [projectB]: "admin" });
    const inA = create(ListSecretsRequestSchema, { projectId: projectA });
    expect(await outcome(adminOfB, secretsAccess.listSecrets, inA)).toBe("permission_denied");
    const everyProject = create(ListAuditEventsRequestSchema, {});
    expect(await outcome(adminOfB, secretsAccess.listAuditEvents, everyProject)).toBe("permission_denied");
    expect(await outcome(member({}, true), secretsAccess.listAuditEvents, everyProject)).toBe("ok");
  });

  it("a connection is reached through its owner, or through a project it is shared with", async () => {
    const connectionId = randomUUID();
    const sharedWith = new Map<string, string[]>([[connectionId, [projectB]]]);
    const access = connectionsAccess({
      ofConnection: async (id, asProject) =>
        id !== connectionId
          ? undefined
          : asProject === undefined || asProject === projectA
            ? projectA
            : sharedWith.get(id)?.includes(asProject)
              ? asProject
              : undefined,
    });
    const viewerOfB = member({ [projectB]: "viewer" });
    const adminOfB = member({ [projectB]: "admin" });
    const asOwner = create(GetAppConnectionRequestSchema, { connectionId });
    const asB = create(GetAppConnectionRequestSchema, { connectionId, projectId: projectB });
    expect(await outcome(viewerOfB, access.getAppConnection, asOwner)).toBe("permission_denied");
    expect(await outcome(viewerOfB, access.getAppConnection, asB)).toBe("ok");
    const change = create(UpdateAppConnectionRequestSchema, { connectionId });
    expect(await outcome(adminOfB, access.updateAppConnection, change)).toBe("permission_denied");
    expect(await outcome(member({ [projectA]: "admin" }), access.updateAppConnection, change)).toBe("ok");
    const missing = create(GetAppConnectionRequestSchema, { connectionId: randomUUID() });
    expect(await outcome(adminOfB, access.getAppConnection, missing)).toBe("permission_denied");
    expect(await outcome(adminOfB, access.updateAppConnectionSharing, {})).toBe("permission_denied");
  });

  it("a destination check needs a project's admin, or an organisation admin when it names no project", async () => {
    const syncOfA = randomUUID();
    const access = secretSyncsAccess({ ofSync: async (id) => (id === syncOfA ? projectA : undefined) });
    const adminOfA = member({ [projectA]: "admin" });
    const named = create(CheckDestinationRequestSchema, { projectId: projectA });
    const bySync = create(CheckDestinationRequestSchema, { excludeSecretSyncId: syncOfA });
    const none = create(CheckDestinationRequestSchema, {});
    expect(await outcome(adminOfA, access.checkDestination, named)).toBe("ok");
    expect(await outcome(adminOfA, access.checkDestination, bySync)).toBe("ok");
    expect(await outcome(adminOfA, access.checkDestination, none)).toBe("permission_denied");
    expect(await outcome(member({ [projectA]: "developer" }), access.checkDestination, named)).toBe(
      "permission_denied",
    );
  });

  it("every public method: organisation admins pass, anonymous callers never do, the bootstrap token and services only where listed", async () => {
    for (const { service, access } of publicServiceTables()) {
      for (const method of service.methods) {
        const rule = (access as Record<string, MethodAccess>)[method.localName]!;
        const request = create(method.input);
        expect(await outcome(member({}, true), rule, request), method.name).toBe("ok");
        const bootstrap = rule.bootstrap ? "ok" : "permission_denied";
        expect(await outcome(BOOTSTRAP, rule, request), method.name).toBe(bootstrap);
        expect(await outcome(ANONYMOUS, rule, request), method.name).toBe("unauthenticated");
        for (const name of serviceNames) {
          const expected = rule.services?.includes(name) ? "ok" : "permission_denied";
          expect(await outcome({ kind: "service", service: name }, rule, request), `${method.name} ${name}`).toBe(
            expected,
          );
        }
      }
    }
  });
});
