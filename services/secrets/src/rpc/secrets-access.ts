import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { everyMethod, type MethodAccess, type ServiceAccess } from "@syncline/rpc";

/** Organisation admins only, until each method gets its project role rule. */
const organizationAdmin: MethodAccess = { identity: { organizationAdmin: true } };

/**
 * Who may call SecretsService, per method. Connector workers (their service credential) may also
 * bulk-write, to import destination secrets.
 */
export const secretsAccess: ServiceAccess<typeof SecretsService> = {
  createProject: organizationAdmin,
  getProject: organizationAdmin,
  listProjects: organizationAdmin,
  updateProject: organizationAdmin,
  deleteProject: organizationAdmin,
  createEnvironment: organizationAdmin,
  listEnvironments: organizationAdmin,
  updateEnvironment: organizationAdmin,
  deleteEnvironment: organizationAdmin,
  createFolder: organizationAdmin,
  listFolders: organizationAdmin,
  moveFolder: organizationAdmin,
  deleteFolder: organizationAdmin,
  createSecret: organizationAdmin,
  updateSecret: organizationAdmin,
  deleteSecret: organizationAdmin,
  getSecret: organizationAdmin,
  listSecrets: organizationAdmin,
  listSecretVersions: organizationAdmin,
  getSecretVersion: organizationAdmin,
  rollbackSecret: organizationAdmin,
  bulkWriteSecrets: { ...organizationAdmin, services: ["connector-worker"] },
  validateSecretValue: organizationAdmin,
  createSecretImport: organizationAdmin,
  listSecretImports: organizationAdmin,
  deleteSecretImport: organizationAdmin,
  listAuditEvents: organizationAdmin,
};

/** Source snapshots are read by connector workers only. */
export const snapshotAccess: ServiceAccess<typeof SourceSnapshotService> = everyMethod(SourceSnapshotService, {
  services: ["connector-worker"],
});
