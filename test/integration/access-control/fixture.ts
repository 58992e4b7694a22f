import { randomBytes } from "node:crypto";
import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { InitialSyncBehavior } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { ProjectRole } from "@syncline/rpc";
import type { FullSystem } from "../../support/starter.ts";
import { createIdentity, type TestIdentity } from "../../support/identities.ts";

/** The callers of the permission test, weakest first; A is the project every request addresses. */
export const callerNames = ["plain", "adminOfB", "viewerOfA", "developerOfA", "adminOfA", "organizationAdmin"] as const;
export type CallerName = (typeof callerNames)[number];

/** A project with one of everything, as the organisation admin made it. */
export interface ProjectData {
  readonly projectId: string;
  readonly name: string;
  readonly environment: string;
  readonly folder: string;
  readonly key: string;
  readonly importId: string;
  readonly connectionId: string;
  readonly syncId: string;
  readonly syncName: string;
}

/** Everything the cases address: A's data, spare resources a permitted delete may take, the callers. */
export interface AccessFixture {
  readonly a: ProjectData;
  readonly b: ProjectData;
  /** A project only a permitted DeleteProject removes. */
  readonly spareProjectId: string;
  /** A's connection and sync that permitted deletes remove. */
  readonly spareConnectionId: string;
  readonly spareSyncId: string;
  /** An identity that permitted identity writes (delete, membership) act on. */
  readonly spareIdentityId: string;
  readonly callers: Readonly<Record<CallerName, TestIdentity & { readonly name: string }>>;
}

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString("hex")}`;

/** Creates projects A and B with data in each, the spare resources and the callers. */
export async function createAccessFixture(system: FullSystem): Promise<AccessFixture> {
  const a = await createProjectData(system);
  const b = await createProjectData(system);
  const secrets = system.client(SecretsService, system.adminToken);
  const spareProjectId = (await secrets.createProject({ name: unique("spare") })).project!.id;
  const spareConnectionId = await createConnection(system, a.projectId);
  const spareSyncId = (await createSync(system, a, spareConnectionId, "/spare")).id;
  const identity = async (
    prefix: string,
    extra: { organizationAdmin?: boolean; projectRoles?: Record<string, ProjectRole> },
  ) => {
    const name = unique(prefix);
    return { ...(await createIdentity(system, { name, ...extra })), name };
  };
  const callers: AccessFixture["callers"] = {
    plain: await identity("plain", {}),
    adminOfB: await identity("admin-b", { projectRoles: { [b.projectId]: "admin" } }),
    viewerOfA: await identity("viewer-a", { projectRoles: { [a.projectId]: "viewer" } }),
    developerOfA: await identity("developer-a", { projectRoles: { [a.projectId]: "developer" } }),
    adminOfA: await identity("admin-a", { projectRoles: { [a.projectId]: "admin" } }),
    organizationAdmin: await identity("org-admin", { organizationAdmin: true }),
  };
  const spareIdentityId = (await identity("spare", { projectRoles: { [a.projectId]: "viewer" } })).identityId;
  return { a, b, spareProjectId, spareConnectionId, spareSyncId, spareIdentityId, callers };
}

async function createProjectData(system: FullSystem): Promise<ProjectData> {
  const secrets = system.client(SecretsService, system.adminToken);
  const name = unique("access");
  const projectId = (await secrets.createProject({ name })).project!.id;
  const environment = "dev";
  await secrets.createEnvironment({ projectId, slug: environment, name: "" });
  await secrets.createSecret({ projectId, environment, path: "/app", key: "KEY", value: "value-1" });
  await secrets.updateSecret({ projectId, environment, path: "/app", key: "KEY", value: "value-2" });
  await secrets.createSecret({ projectId, environment, path: "/lib", key: "LIB", value: "lib" });
  const imported = await secrets.createSecretImport({
    projectId,
    environment,
    path: "/app",
    importEnvironment: environment,
    importPath: "/lib",
  });
  const connectionId = await createConnection(system, projectId);
  const base = { projectId, name, environment, folder: "/app", key: "KEY", importId: imported.secretImport!.id };
  const sync = await createSync(system, base, connectionId, "/app");
  return { ...base, connectionId, syncId: sync.id, syncName: sync.name };
}

/** A Vault token connection of `projectId` (checked live against the fake Vault). */
export async function createConnection(system: FullSystem, projectId: string): Promise<string> {
  const connections = system.client(ConnectionsService, system.adminToken);
  const { connection } = await connections.createAppConnection({
    projectId,
    name: unique("vault"),
    credentials: vaultCredentials(system),
  });
  return connection!.id;
}

export const vaultCredentials = (system: FullSystem) => ({
  app: {
    case: "vault" as const,
    value: { instanceUrl: system.vault.url, method: { case: "token" as const, value: { token: system.vault.token } } },
  },
});

/** A manual (no auto-sync) Vault sync of `folder` in the project's environment. */
async function createSync(
  system: FullSystem,
  project: { readonly projectId: string; readonly environment: string },
  connectionId: string,
  folder: string,
) {
  const syncs = system.client(SecretSyncsService, system.adminToken);
  const { secretSync } = await syncs.createSecretSync({
    projectId: project.projectId,
    name: unique("sync"),
    source: { environment: project.environment, path: folder, recursive: false },
    connectionId,
    destinationConfig: vaultDestination(`access/${project.projectId}${folder}`),
    initialSyncBehavior: InitialSyncBehavior.OVERWRITE_DESTINATION,
    autoSync: false,
  });
  return secretSync!;
}

export const vaultDestination = (path: string) => ({
  destination: { case: "vaultKv" as const, value: { mount: "secret", path } },
});
