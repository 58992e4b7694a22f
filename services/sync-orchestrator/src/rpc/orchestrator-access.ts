import type { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { SyncRunCoordinationService } from "@syncline/gen/syncline/syncs/v1/sync_run_coordination_service_pb.js";
import { everyMethod, type MethodAccess, type ServiceAccess } from "@syncline/rpc";

/** Organisation admins only, until each method gets its project role rule. */
const organizationAdmin: MethodAccess = { identity: { organizationAdmin: true } };

/** Who may call SecretSyncsService, per method; connector workers may read a sync. */
export const secretSyncsAccess: ServiceAccess<typeof SecretSyncsService> = {
  createSecretSync: organizationAdmin,
  getSecretSync: { ...organizationAdmin, services: ["connector-worker"] },
  getSecretSyncByName: organizationAdmin,
  listSecretSyncs: organizationAdmin,
  updateSecretSync: organizationAdmin,
  deleteSecretSync: organizationAdmin,
  triggerSync: organizationAdmin,
  importSecrets: organizationAdmin,
  removeSecrets: organizationAdmin,
  listSyncRuns: organizationAdmin,
  watchSecretSync: organizationAdmin,
  listDestinations: organizationAdmin,
  checkDestination: organizationAdmin,
  planSync: organizationAdmin,
  listSyncAuditEvents: organizationAdmin,
};

/** Run leases and fences are for connector workers only. */
export const coordinationAccess: ServiceAccess<typeof SyncRunCoordinationService> = everyMethod(
  SyncRunCoordinationService,
  { services: ["connector-worker"] },
);
