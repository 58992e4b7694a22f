import type { Database } from "@syncline/db";
import type { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { Destination, SyncAction, SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { actorOf, pageSize, type ServiceHandlers } from "@syncline/rpc";
import type { PlanRequester } from "../bus/plan-requester.ts";
import type { SyncActions } from "../service/sync-actions.ts";
import type { SyncService } from "../service/sync-service.ts";
import type { SyncWatchers } from "../service/sync-watchers.ts";
import { auditHandlers } from "./audit-handlers.ts";
import { destinationHandlers } from "./destination-handlers.ts";
import { newSecretSyncOf, syncChangesOf } from "./sync-requests.ts";
import { secretSyncMessage, syncRunMessage } from "./to-proto.ts";
import { watchSecretSync } from "./watch-handler.ts";

/** What the public API drives. */
export interface SecretSyncsDeps {
  readonly syncs: SyncService;
  readonly actions: SyncActions;
  readonly planner: PlanRequester;
  readonly watchers: SyncWatchers;
  /** For the duplicate-destination check. */
  readonly database: Database;
}

/**
 * The public SecretSyncsService: the protos' field rules hold when these run (INVALID_ARGUMENT
 * naming each field at fault, before anything is looked up or stored); the handlers apply the
 * sync's other rules and call the services. The caller's principal
 * is the actor of every audited change.
 */
export function secretSyncsHandlers(deps: SecretSyncsDeps): ServiceHandlers<typeof SecretSyncsService> {
  const { syncs, actions } = deps;
  return {
    ...destinationHandlers({ db: deps.database, syncs, planner: deps.planner }),
    ...auditHandlers({ db: deps.database }),
    watchSecretSync: watchSecretSync({ syncs, watchers: deps.watchers }),

    async createSecretSync(request, context) {
      return {
        secretSync: secretSyncMessage(await syncs.create(newSecretSyncOf(request), actorOf(context.principal))),
      };
    },

    async getSecretSync(request) {
      return { secretSync: secretSyncMessage(await syncs.get(request.secretSyncId)) };
    },

    async getSecretSyncByName(request) {
      return { secretSync: secretSyncMessage(await syncs.getByName(request.projectId, request.name)) };
    },

    async listSecretSyncs(request) {
      const { views, nextPageToken } = await syncs.list({
        projectId: request.projectId,
        ...(request.destination !== Destination.UNSPECIFIED ? { destination: request.destination } : {}),
        ...(request.connectionId !== "" ? { connectionId: request.connectionId } : {}),
        ...(request.state !== SyncState.UNSPECIFIED ? { syncState: request.state } : {}),
        pageSize: pageSize(request.pageSize, 100),
        pageToken: request.pageToken,
      });
      return { secretSyncs: views.map(secretSyncMessage), nextPageToken };
    },

    async updateSecretSync(request, context) {
      const changes = syncChangesOf(request);
      return {
        secretSync: secretSyncMessage(
          await syncs.update(request.secretSyncId, request.expectedVersion, changes, actorOf(context.principal)),
        ),
      };
    },

    async deleteSecretSync(request, context) {
      const run = await actions.delete(request.secretSyncId, request.removeSecrets, actorOf(context.principal));
      return run ? { removeRun: syncRunMessage(run) } : {};
    },

    async triggerSync(request, context) {
      return { run: syncRunMessage(await actions.trigger(request.secretSyncId, actorOf(context.principal))) };
    },

    async importSecrets(request, context) {
      return {
        run: syncRunMessage(
          await actions.importSecrets(request.secretSyncId, request.behavior, actorOf(context.principal)),
        ),
      };
    },

    async removeSecrets(request, context) {
      return { run: syncRunMessage(await actions.removeSecrets(request.secretSyncId, actorOf(context.principal))) };
    },

    async listSyncRuns(request) {
      const size = pageSize(request.pageSize, 50);
      const { runs, nextPageToken } = await actions.listRuns(request.secretSyncId, {
        pageSize: size,
        pageToken: request.pageToken,
        ...(request.action !== SyncAction.UNSPECIFIED ? { action: request.action } : {}),
      });
      return { runs: runs.map(syncRunMessage), nextPageToken };
    },
  };
}
