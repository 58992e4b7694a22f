import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { everyMethod, type MethodAccess, type ProjectRole, type ServiceAccess } from "@syncline/rpc";

/** Every SecretsService request but CreateProject and ListProjects names its project in `project_id`. */
const projectField = (request: { readonly projectId: string }): string | undefined => request.projectId || undefined;

const viewer: MethodAccess = { identity: { role: "viewer", project: projectField } };
const developer: MethodAccess = { identity: { role: "developer", project: projectField } };
const admin: MethodAccess = { identity: { role: "admin", project: projectField } };

/** Reading values needs the developer role; keys, versions and metadata alone only viewer. */
const valuesRead: MethodAccess = {
  identity: {
    role: (request: { readonly includeValues: boolean }): ProjectRole =>
      request.includeValues ? "developer" : "viewer",
    project: projectField,
  },
};

/**
 * Who may call each SecretsService method (see docs/identity-and-access.md, "Roles"): viewers read
 * metadata, developers read values and write secrets, folders and imports, project admins manage
 * the project and its environments, organisation admins create and delete projects. ListProjects is
 * open to every identity and answers only the projects it holds a role in. Connector workers may
 * bulk-write (destination imports); ListAuditEvents without a project is for organisation admins.
 */
export const secretsAccess: ServiceAccess<typeof SecretsService> = {
  createProject: { identity: { organizationAdmin: true } },
  getProject: viewer,
  listProjects: { identity: { anyIdentity: true } },
  updateProject: admin,
  deleteProject: { identity: { organizationAdmin: true } },

  createEnvironment: admin,
  listEnvironments: viewer,
  updateEnvironment: admin,
  deleteEnvironment: admin,

  createFolder: developer,
  listFolders: viewer,
  moveFolder: developer,
  deleteFolder: developer,

  createSecret: developer,
  updateSecret: developer,
  deleteSecret: developer,
  getSecret: developer,
  listSecrets: valuesRead,
  listSecretVersions: valuesRead,
  getSecretVersion: developer,
  rollbackSecret: developer,
  bulkWriteSecrets: { ...developer, services: ["connector-worker"] },
  validateSecretValue: developer,

  createSecretImport: developer,
  listSecretImports: viewer,
  deleteSecretImport: developer,

  listAuditEvents: viewer,
};

/** Source snapshots are read by connector workers only. */
export const snapshotAccess: ServiceAccess<typeof SourceSnapshotService> = everyMethod(SourceSnapshotService, {
  services: ["connector-worker"],
});
