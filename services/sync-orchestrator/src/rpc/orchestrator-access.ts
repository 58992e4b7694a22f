import type { NotificationsService } from "@syncline/gen/syncline/notifications/v1/notifications_service_pb.js";
import type { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { SyncRunCoordinationService } from "@syncline/gen/syncline/syncs/v1/sync_run_coordination_service_pb.js";
import { everyMethod, type MethodAccess, type ProjectRole, type ServiceAccess } from "@syncline/rpc";
import type { SyncProjects } from "../service/sync-projects.ts";

/**
 * Who may call each SecretSyncsService method (see docs/identity-and-access.md, "Roles"): viewers
 * of the sync's project read syncs, runs and their audit; developers run them (sync, import, remove)
 * and plan them (a plan reads the destination); admins create, change and delete syncs and check
 * destinations. The destination catalogue is open to every identity.
 */
export function secretSyncsAccess(projects: Pick<SyncProjects, "ofSync">): ServiceAccess<typeof SecretSyncsService> {
  const ofField = (request: { projectId: string }) => request.projectId || undefined;
  const ofSync = (request: { secretSyncId: string }) => projects.ofSync(request.secretSyncId);
  const onProject = (role: ProjectRole): MethodAccess => ({ identity: { role, project: ofField } });
  const onSync = (role: ProjectRole): MethodAccess => ({ identity: { role, project: ofSync } });
  return {
    createSecretSync: onProject("admin"),
    // Workers load a sync definition by id for a plan request (the message carries ids only);
    // a definition holds no value or credential.
    getSecretSync: { ...onSync("viewer"), services: ["connector-worker"] },
    getSecretSyncByName: onProject("viewer"),
    listSecretSyncs: onProject("viewer"),
    updateSecretSync: onSync("admin"),
    deleteSecretSync: onSync("admin"),
    triggerSync: onSync("developer"),
    importSecrets: onSync("developer"),
    removeSecrets: onSync("developer"),
    listSyncRuns: onSync("viewer"),
    watchSecretSync: onSync("viewer"),
    listDestinations: { identity: { anyIdentity: true } },
    checkDestination: {
      identity: {
        role: "admin",
        project: (request: { projectId: string; excludeSecretSyncId: string }) =>
          request.projectId || (request.excludeSecretSyncId ? projects.ofSync(request.excludeSecretSyncId) : undefined),
      },
    },
    planSync: onSync("developer"),
    listSyncAuditEvents: onProject("viewer"),
  };
}

/**
 * Who may call each NotificationsService method: admins of the endpoint's project manage webhook
 * endpoints (a URL and a signing secret are credentials), send test events and rotate secrets;
 * viewers read endpoints (never their URL path or secret) and their delivery log.
 */
export function notificationsAccess(
  projects: Pick<SyncProjects, "ofEndpoint">,
): ServiceAccess<typeof NotificationsService> {
  const onProject = (role: ProjectRole): MethodAccess => ({
    identity: { role, project: (request: { projectId: string }) => request.projectId || undefined },
  });
  const onEndpoint = (role: ProjectRole): MethodAccess => ({
    identity: { role, project: (request: { endpointId: string }) => projects.ofEndpoint(request.endpointId) },
  });
  return {
    createWebhookEndpoint: onProject("admin"),
    getWebhookEndpoint: onEndpoint("viewer"),
    listWebhookEndpoints: onProject("viewer"),
    updateWebhookEndpoint: onEndpoint("admin"),
    deleteWebhookEndpoint: onEndpoint("admin"),
    rotateWebhookSecret: onEndpoint("admin"),
    sendTestEvent: onEndpoint("admin"),
    listWebhookDeliveries: onEndpoint("viewer"),
  };
}

/** Run leases and fences are for connector workers only. */
export const coordinationAccess: ServiceAccess<typeof SyncRunCoordinationService> = everyMethod(
  SyncRunCoordinationService,
  { services: ["connector-worker"] },
);
