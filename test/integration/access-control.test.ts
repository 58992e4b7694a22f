import type { DescMethod, DescService } from "@bufbuild/protobuf";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import { IdentityService } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { IdentityVerificationService } from "@syncline/gen/syncline/identity/v1/identity_verification_service_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { SyncRunCoordinationService } from "@syncline/gen/syncline/syncs/v1/sync_run_coordination_service_pb.js";
import { Code, RpcError } from "@syncline/rpc";
import { beforeAll, describe, expect, it } from "vitest";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import {
  connectionsCases,
  identityCases,
  secretsCases,
  syncsCases,
  type AccessCase,
  type Needs,
} from "./access-control/cases.ts";
import { createIdentity } from "../support/identities.ts";
import { createAccessFixture, type AccessFixture, type CallerName } from "./access-control/fixture.ts";
import { stateOfProjectA } from "./access-control/project-state.ts";

/**
 * Every RPC of the public services, called by each kind of caller with a request addressing
 * project A: B's admin, an identity without membership and every role of A below the one the
 * method needs are refused with PERMISSION_DENIED, and nothing of A changed; the weakest caller
 * the method admits gets past authorisation. The list of methods comes from the service
 * descriptors, so a new RPC without a case fails here. Internal services refuse identity tokens.
 */
const system = useSystem({ name: "access-control", services: allServices });
let fixture: AccessFixture;
let cases: ReadonlyArray<{ service: DescService; cases: Readonly<Record<string, AccessCase>> }>;

beforeAll(async () => {
  fixture = await createAccessFixture(system);
  const admin = system.client(SecretSyncsService, system.adminToken);
  const { secretSync } = await admin.getSecretSync({ secretSyncId: fixture.a.syncId });
  cases = [
    { service: SecretsService, cases: secretsCases(fixture) },
    { service: ConnectionsService, cases: connectionsCases(fixture, system) },
    { service: SecretSyncsService, cases: syncsCases(fixture, secretSync!.version) },
    { service: IdentityService, cases: identityCases(fixture) },
  ];
}, 120_000);

/** The callers refused for each need, weakest first. */
const refused: Record<Needs, readonly CallerName[]> = {
  anyIdentity: [],
  viewer: ["plain", "adminOfB"],
  developer: ["plain", "adminOfB", "viewerOfA"],
  admin: ["plain", "adminOfB", "viewerOfA", "developerOfA"],
  self: ["plain", "adminOfB", "viewerOfA", "developerOfA"],
  organizationAdmin: ["plain", "adminOfB", "viewerOfA", "developerOfA", "adminOfA"],
};

/** The weakest caller each need admits. */
const admitted: Record<Needs, CallerName> = {
  anyIdentity: "plain",
  viewer: "viewerOfA",
  developer: "developerOfA",
  admin: "adminOfA",
  self: "adminOfA",
  organizationAdmin: "organizationAdmin",
};

/** Calls `method` (a stream up to its first message) as `caller`; the RpcError it failed with, if any. */
async function call(service: DescService, method: DescMethod, token: string, request: unknown) {
  const client = system.client(service, token) as unknown as Record<string, (r: unknown) => unknown>;
  try {
    const result = client[method.localName]!(request);
    if (method.methodKind === "server_streaming") {
      for await (const _ of result as AsyncIterable<unknown>) break;
    } else {
      await result;
    }
    return undefined;
  } catch (error) {
    if (error instanceof RpcError) return error;
    throw error;
  }
}

describe("permissions of every public RPC", () => {
  it("has a case for every method of every public service", () => {
    for (const { service, cases: byMethod } of cases) {
      const missing = service.methods.filter((method) => !byMethod[method.localName]).map((method) => method.name);
      expect(missing, `${service.typeName} methods without an access case`).toEqual([]);
    }
  });

  it("refuses every caller below the method's need with PERMISSION_DENIED, and nothing of A changes", async () => {
    const before = await stateOfProjectA(system, fixture);
    const wrong: string[] = [];
    for (const { service, cases: byMethod } of cases) {
      for (const method of service.methods) {
        const access = byMethod[method.localName]!;
        for (const caller of refused[access.needs]) {
          const error = await call(service, method, fixture.callers[caller].token, access.request);
          if (error?.code !== Code.PERMISSION_DENIED) {
            wrong.push(`${method.name} as ${caller}: ${error ? Code[error.code] : "OK"}`);
          }
        }
      }
    }
    expect(wrong).toEqual([]);
    expect(await stateOfProjectA(system, fixture)).toEqual(before);
  });

  it("lets the weakest caller the method admits past authorisation", async () => {
    const wrong: string[] = [];
    for (const { service, cases: byMethod } of cases) {
      for (const method of service.methods) {
        const access = byMethod[method.localName]!;
        const caller = admitted[access.needs];
        const error = await call(service, method, fixture.callers[caller].token, access.permitted ?? access.request);
        if (error?.code === Code.PERMISSION_DENIED || error?.code === Code.UNAUTHENTICATED) {
          wrong.push(`${method.name} as ${caller}: ${Code[error.code]} ${error.message}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("refuses identity tokens, organisation admins' too, on every internal service", async () => {
    const internal = [
      SourceSnapshotService,
      CredentialsService,
      SyncRunCoordinationService,
      IdentityVerificationService,
    ];
    const wrong: string[] = [];
    for (const service of internal) {
      for (const method of service.methods) {
        for (const caller of ["adminOfA", "organizationAdmin"] as const) {
          const error = await call(service, method, fixture.callers[caller].token, {});
          if (error?.code !== Code.PERMISSION_DENIED) wrong.push(`${method.name} as ${caller}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it("lists to an identity only the projects it holds a role in, paged", async () => {
    const names = async (token: string, pageSize = 1000) => {
      const seen: string[] = [];
      let pageToken = "";
      do {
        const page = await system.client(SecretsService, token).listProjects({ pageSize, pageToken });
        seen.push(...page.projects.map((p) => p.id));
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
      return seen;
    };
    expect(await names(fixture.callers.plain.token)).toEqual([]);
    expect(await names(fixture.callers.viewerOfA.token)).toEqual([fixture.a.projectId]);
    const both = await createIdentity(system, {
      name: `both-${fixture.a.projectId.slice(0, 8)}`,
      projectRoles: { [fixture.a.projectId]: "viewer", [fixture.b.projectId]: "developer" },
    });
    const byName = [fixture.a, fixture.b].sort((x, y) => (x.name < y.name ? -1 : 1)).map((p) => p.projectId);
    expect(await names(both.token, 1)).toEqual(byName);
    expect(await names(fixture.callers.organizationAdmin.token)).toEqual(expect.arrayContaining(byName));
  });

  it("records the identity and its name in both audit trails", async () => {
    const { a, callers } = fixture;
    const developer = system.client(SecretsService, callers.developerOfA.token);
    await developer.createSecret({
      projectId: a.projectId,
      environment: a.environment,
      path: "/",
      key: "AUDITED",
      value: "v",
    });
    const { events } = await system
      .client(SecretsService, system.adminToken)
      .listAuditEvents({ projectId: a.projectId });
    expect(events.find((e) => e.target.endsWith(":AUDITED"))).toMatchObject({
      actor: `identity:${callers.developerOfA.identityId}`,
      actorName: callers.developerOfA.name,
      action: "secret.create",
    });

    const admin = system.client(SecretSyncsService, callers.adminOfA.token);
    const { secretSync } = await admin.getSecretSync({ secretSyncId: a.syncId });
    await admin.updateSecretSync({
      secretSyncId: a.syncId,
      expectedVersion: secretSync!.version,
      description: "audited",
    });
    const trail = await system.client(SecretSyncsService, system.adminToken).listSyncAuditEvents({
      projectId: a.projectId,
      secretSyncId: a.syncId,
    });
    expect(trail.events[0]).toMatchObject({
      actor: `identity:${callers.adminOfA.identityId}`,
      actorName: callers.adminOfA.name,
      action: "sync.update",
    });
  });
});
