import { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { IdentityService } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import type { FullSystem } from "../../support/starter.ts";
import type { AccessFixture } from "./fixture.ts";

/**
 * What a refused call could have changed, read by the organisation admin: A's project, its
 * environments, folders, secrets with values and versions, imports, both audit trails, its
 * connections and their shares, its syncs (configuration and version, not run status), members,
 * the identities and A's admin's tokens (but their last use), and the project list. Equal before and after: nothing written.
 */
export async function stateOfProjectA(system: FullSystem, f: AccessFixture) {
  const token = system.adminToken;
  const secrets = system.client(SecretsService, token);
  const connections = system.client(ConnectionsService, token);
  const syncs = system.client(SecretSyncsService, token);
  const identities = system.client(IdentityService, token);
  const { projectId, environment, folder: path, key } = f.a;
  const json = (value: unknown) => JSON.parse(JSON.stringify(value, (_, v) => (typeof v === "bigint" ? `${v}` : v)));
  const listed = await syncs.listSecretSyncs({ projectId, pageSize: 500 });
  return json({
    projects: (await secrets.listProjects({ pageSize: 1000 })).projects.map((p) => [p.id, p.name]),
    project: (await secrets.getProject({ projectId })).project,
    environments: (await secrets.listEnvironments({ projectId })).environments,
    folders: (await secrets.listFolders({ projectId, environment, pageSize: 1000 })).folders,
    secrets: (await secrets.listSecrets({ projectId, environment, path, includeValues: true })).secrets,
    versions: (await secrets.listSecretVersions({ projectId, environment, path, key, includeValues: true })).versions,
    imports: (await secrets.listSecretImports({ projectId, environment, path: "/lib" })).secretImports.concat(
      (await secrets.listSecretImports({ projectId, environment, path })).secretImports,
    ),
    audit: (await secrets.listAuditEvents({ projectId, pageSize: 1000 })).events.length,
    connections: (await connections.listAppConnections({ projectId })).connections,
    syncs: listed.secretSyncs.map((s) => ({ id: s.id, name: s.name, version: s.version, description: s.description })),
    runs: (await syncs.listSyncRuns({ secretSyncId: f.a.syncId, pageSize: 500 })).runs.map((r) => r.id),
    syncAudit: (await syncs.listSyncAuditEvents({ projectId, pageSize: 500 })).events.length,
    members: (await identities.listProjectMembers({ projectId })).members,
    identities: (await identities.listIdentities({ pageSize: 1000 })).identities,
    // A token's last use moves with every call, refused ones too: everything else must stay.
    tokens: (await identities.listIdentityTokens({ identityId: f.callers.adminOfA.identityId })).tokens.map(
      ({ lastUseTime: _, ...token }) => token,
    ),
  });
}
