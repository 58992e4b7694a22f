import type { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import { everyMethod, type MethodAccess, type ServiceAccess } from "@syncline/rpc";
import type { ConnectionProjects } from "../service/connection-projects.ts";

/**
 * Who may call each ConnectionsService method (see docs/identity-and-access.md, "Roles"): viewers of
 * a project see its own and its shared connections (redacted views); its admins create, change and
 * delete its own; organisation admins share connections with other projects. The orchestrator reads
 * connections with its own credential (the sync connection check); ListApps is a catalogue for
 * any identity.
 */
export function connectionsAccess(projects: ConnectionProjects): ServiceAccess<typeof ConnectionsService> {
  const ownerAdmin: MethodAccess = {
    identity: {
      role: "admin",
      project: (request: { connectionId: string }) => projects.ofConnection(request.connectionId),
    },
  };
  return {
    createAppConnection: {
      identity: { role: "admin", project: (request: { projectId: string }) => request.projectId || undefined },
    },
    getAppConnection: {
      services: ["sync-orchestrator"],
      identity: {
        role: "viewer",
        project: (request: { connectionId: string; projectId: string }) =>
          projects.ofConnection(request.connectionId, request.projectId || undefined),
      },
    },
    listAppConnections: {
      identity: { role: "viewer", project: (request: { projectId: string }) => request.projectId || undefined },
    },
    updateAppConnection: ownerAdmin,
    deleteAppConnection: ownerAdmin,
    updateAppConnectionSharing: { identity: { organizationAdmin: true } },
    listApps: { identity: { anyIdentity: true } },
  };
}

/** Credentials are resolved by connector workers only (not the orchestrator). */
export const credentialsAccess: ServiceAccess<typeof CredentialsService> = everyMethod(CredentialsService, {
  services: ["connector-worker"],
});
