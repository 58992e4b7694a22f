import { randomBytes, randomUUID } from "node:crypto";
import type { DescService } from "@bufbuild/protobuf";
import type { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import type { IdentityService } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { ProjectRole } from "@syncline/gen/syncline/identity/v1/resources_pb.js";
import { SecretWriteOperation, type SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { ImportBehavior } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import type { FullSystem } from "../../support/starter.ts";
import { type AccessFixture, vaultCredentials, vaultDestination } from "./fixture.ts";

/**
 * Who a method admits: a role in A, organisation admins only, any identity, or the identity the
 * request names (A's admin, for its own tokens) and organisation admins.
 */
export type Needs = "viewer" | "developer" | "admin" | "organizationAdmin" | "anyIdentity" | "self";

/** One method's case: what it needs, a request addressing A's resources, and the one a permitted caller sends. */
export interface AccessCase {
  readonly needs: Needs;
  /** What the refused callers send: a request that would change or reveal A's data. */
  readonly request: Record<string, unknown>;
  /** What the permitted caller sends (default `request`): spares, so A's data stays for the other cases. */
  readonly permitted?: Record<string, unknown>;
}

/** One case per method of `S`, keyed by local name: a method without a case does not compile. */
export type ServiceCases<S extends DescService> = { readonly [K in keyof S["method"]]: AccessCase };

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

export function secretsCases(f: AccessFixture): ServiceCases<typeof SecretsService> {
  const { projectId, environment, folder: path, key } = f.a;
  const folder = { projectId, environment, path };
  const secret = { ...folder, key };
  return {
    createProject: {
      needs: "organizationAdmin",
      request: { name: unique("denied") },
      permitted: { name: unique("p") },
    },
    getProject: { needs: "viewer", request: { projectId } },
    listProjects: { needs: "anyIdentity", request: {} },
    updateProject: {
      needs: "admin",
      request: { projectId, name: unique("renamed") },
      permitted: { projectId, name: f.a.name },
    },
    deleteProject: { needs: "organizationAdmin", request: { projectId }, permitted: { projectId: f.spareProjectId } },
    createEnvironment: {
      needs: "admin",
      request: { projectId, slug: "denied", name: "" },
      permitted: { projectId, slug: "staging", name: "" },
    },
    listEnvironments: { needs: "viewer", request: { projectId } },
    updateEnvironment: { needs: "admin", request: { projectId, environment, name: "Renamed" } },
    deleteEnvironment: {
      needs: "admin",
      request: { projectId, environment },
      permitted: { projectId, environment: "nope" },
    },
    createFolder: {
      needs: "developer",
      request: { ...folder, path: "/denied" },
      permitted: { ...folder, path: "/made" },
    },
    listFolders: { needs: "viewer", request: { projectId, environment } },
    moveFolder: {
      needs: "developer",
      request: { ...folder, newPath: "/moved" },
      permitted: { ...folder, path: "/nope", newPath: "/nope-2" },
    },
    deleteFolder: {
      needs: "developer",
      request: { ...folder, recursive: true },
      permitted: { ...folder, path: "/nope" },
    },
    createSecret: {
      needs: "developer",
      request: { ...folder, key: "DENIED", value: "x" },
      permitted: { ...folder, key: "MADE", value: "x" },
    },
    updateSecret: { needs: "developer", request: { ...secret, value: "changed" } },
    deleteSecret: { needs: "developer", request: secret, permitted: { ...folder, key: "NOPE" } },
    getSecret: { needs: "developer", request: secret },
    listSecrets: { needs: "developer", request: { ...folder, includeValues: true } },
    listSecretVersions: { needs: "developer", request: { ...secret, includeValues: true } },
    getSecretVersion: { needs: "developer", request: { ...secret, version: 1n } },
    rollbackSecret: { needs: "developer", request: { ...secret, version: 1n } },
    bulkWriteSecrets: {
      needs: "developer",
      request: {
        projectId,
        writes: [{ operation: SecretWriteOperation.UPSERT, environment, path, key, value: "bulk" }],
      },
    },
    validateSecretValue: { needs: "developer", request: { ...secret, value: "${LIB}" } },
    createSecretImport: {
      needs: "developer",
      request: { ...folder, path: "/lib", importEnvironment: environment, importPath: "/app" },
      permitted: { ...folder, path: "/made", importEnvironment: environment, importPath: "/lib" },
    },
    listSecretImports: { needs: "viewer", request: folder },
    deleteSecretImport: {
      needs: "developer",
      request: { projectId, secretImportId: f.a.importId },
      permitted: { projectId, secretImportId: randomUUID() },
    },
    listAuditEvents: { needs: "viewer", request: { projectId } },
  };
}

export function connectionsCases(f: AccessFixture, system: FullSystem): ServiceCases<typeof ConnectionsService> {
  const { projectId, connectionId } = f.a;
  return {
    createAppConnection: {
      needs: "admin",
      request: { projectId, name: "denied", credentials: vaultCredentials(system), skipValidation: true },
      permitted: { projectId, name: "made", credentials: vaultCredentials(system), skipValidation: true },
    },
    getAppConnection: { needs: "viewer", request: { connectionId } },
    listAppConnections: { needs: "viewer", request: { projectId } },
    updateAppConnection: { needs: "admin", request: { connectionId, description: "changed" } },
    deleteAppConnection: {
      needs: "admin",
      request: { connectionId },
      permitted: { connectionId: f.spareConnectionId },
    },
    updateAppConnectionSharing: {
      needs: "organizationAdmin",
      request: { appConnectionId: connectionId, sharedProjectIds: [f.b.projectId] },
      permitted: { appConnectionId: connectionId, sharedProjectIds: [] },
    },
    listApps: { needs: "anyIdentity", request: {} },
  };
}

export function syncsCases(f: AccessFixture, version: bigint): ServiceCases<typeof SecretSyncsService> {
  const { projectId, syncId: secretSyncId, connectionId, environment } = f.a;
  const sync = { secretSyncId };
  const newSync = (name: string) => ({
    projectId,
    name,
    source: { environment, path: "/lib", recursive: false },
    connectionId,
    destinationConfig: vaultDestination(`access/${projectId}/${name}`),
    autoSync: false,
  });
  return {
    createSecretSync: { needs: "admin", request: newSync("denied"), permitted: newSync("made") },
    getSecretSync: { needs: "viewer", request: sync },
    getSecretSyncByName: { needs: "viewer", request: { projectId, name: f.a.syncName } },
    listSecretSyncs: { needs: "viewer", request: { projectId } },
    updateSecretSync: { needs: "admin", request: { ...sync, expectedVersion: version, description: "changed" } },
    deleteSecretSync: {
      needs: "admin",
      request: { ...sync, removeSecrets: true },
      permitted: { secretSyncId: f.spareSyncId },
    },
    triggerSync: { needs: "developer", request: sync },
    importSecrets: { needs: "developer", request: { ...sync, behavior: ImportBehavior.PRIORITIZE_DESTINATION } },
    removeSecrets: { needs: "developer", request: sync },
    listSyncRuns: { needs: "viewer", request: sync },
    watchSecretSync: { needs: "viewer", request: sync },
    listDestinations: { needs: "anyIdentity", request: {} },
    checkDestination: {
      needs: "admin",
      request: { projectId, destinationConfig: vaultDestination(`access/${projectId}/check`) },
    },
    planSync: { needs: "developer", request: sync },
    listSyncAuditEvents: { needs: "viewer", request: { projectId } },
  };
}

export function identityCases(f: AccessFixture): ServiceCases<typeof IdentityService> {
  const { projectId } = f.a;
  const self = f.callers.adminOfA.identityId;
  return {
    createIdentity: {
      needs: "organizationAdmin",
      request: { name: unique("denied") },
      permitted: { name: unique("made") },
    },
    getIdentity: { needs: "organizationAdmin", request: { identityId: f.callers.viewerOfA.identityId } },
    listIdentities: { needs: "organizationAdmin", request: {} },
    updateIdentity: {
      needs: "organizationAdmin",
      request: { identityId: f.callers.plain.identityId, organizationAdmin: true },
      permitted: { identityId: f.spareIdentityId, name: unique("renamed") },
    },
    deleteIdentity: {
      needs: "organizationAdmin",
      request: { identityId: f.callers.viewerOfA.identityId },
      permitted: { identityId: randomUUID() },
    },
    createIdentityToken: {
      needs: "self",
      request: { identityId: self, name: unique("denied"), ttl: { seconds: 3600n } },
    },
    listIdentityTokens: { needs: "self", request: { identityId: self } },
    revokeIdentityToken: {
      needs: "self",
      request: { identityId: self, tokenId: randomUUID() },
    },
    getCallerIdentity: { needs: "anyIdentity", request: {} },
    setProjectMember: {
      needs: "admin",
      request: { projectId, identityId: f.callers.plain.identityId, role: ProjectRole.ADMIN },
      permitted: { projectId, identityId: f.spareIdentityId, role: ProjectRole.DEVELOPER },
    },
    removeProjectMember: {
      needs: "admin",
      request: { projectId, identityId: f.callers.viewerOfA.identityId },
      permitted: { projectId, identityId: f.spareIdentityId },
    },
    listProjectMembers: { needs: "admin", request: { projectId } },
  };
}
