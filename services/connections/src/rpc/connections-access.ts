import type { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import { everyMethod, type MethodAccess, type ServiceAccess } from "@syncline/rpc";

/** Organisation admins only, until each method gets its project role rule. */
const organizationAdmin: MethodAccess = { identity: { organizationAdmin: true } };

/**
 * Who may call ConnectionsService, per method. The orchestrator reads a connection to check a
 * sync's app (GetAppConnection) and may list the apps.
 */
export const connectionsAccess: ServiceAccess<typeof ConnectionsService> = {
  createAppConnection: organizationAdmin,
  getAppConnection: { ...organizationAdmin, services: ["sync-orchestrator"] },
  listAppConnections: organizationAdmin,
  updateAppConnection: organizationAdmin,
  deleteAppConnection: organizationAdmin,
  listApps: { ...organizationAdmin, services: ["sync-orchestrator"] },
};

/** Credentials are resolved by connector workers only (not the orchestrator). */
export const credentialsAccess: ServiceAccess<typeof CredentialsService> = everyMethod(CredentialsService, {
  services: ["connector-worker"],
});
