import {
  destinationDescriptor,
  destinationLocation,
  destinationOfConfig,
  destinationRegistry,
  UNKNOWN_INSTANCE,
  type DestinationDescriptor,
} from "@syncline/connectors";
import type { Database } from "@syncline/db";
import type { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import type { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { assertValid } from "@syncline/errors";
import type { ServiceHandlers } from "@syncline/rpc";
import type { PlanRequester } from "../bus/plan-requester.ts";
import { findOverlappingSyncs } from "../service/destination-overlaps.ts";
import type { SyncService } from "../service/sync-service.ts";
import { destinationConfigViolations } from "../domain/sync-rules.ts";

type DestinationMethods = Pick<
  ServiceHandlers<typeof SecretSyncsService>,
  "listDestinations" | "checkDestination" | "planSync"
>;

/** A registry entry as DestinationInfo: what a client needs to offer the destination kind. */
function destinationInfo(descriptor: DestinationDescriptor<unknown, unknown>) {
  const { capabilities, limits } = descriptor;
  return {
    destination: descriptor.destination,
    name: descriptor.name,
    app: descriptor.app,
    capabilities: {
      readBack: capabilities.readBack,
      keySchema: capabilities.keySchema,
      deletionControl: capabilities.deletionControl,
      removeOnDelete: capabilities.removeOnDelete,
      batchWrites: capabilities.batchWrites,
      listKeys: capabilities.listKeys ?? capabilities.readBack,
    },
    limits: { maxSecrets: limits.maxSecrets, maxValueBytes: limits.maxValueBytes, keyRule: limits.keyRule },
    configFields: descriptor.configFields.map((field) => ({ ...field })),
  };
}

/**
 * The destination side of the API: the catalogue of destination kinds (from the connector
 * registry), the duplicate-destination check (any project; the connection's server is unknown
 * here, so a location on any server counts), and plans answered by a connector worker.
 */
export function destinationHandlers(deps: {
  db: Database;
  syncs: SyncService;
  planner: PlanRequester;
}): DestinationMethods {
  return {
    async listDestinations() {
      const descriptors = Object.values(destinationRegistry) as DestinationDescriptor<unknown, unknown>[];
      return { destinations: descriptors.sort((a, b) => a.destination - b.destination).map(destinationInfo) };
    },

    async checkDestination(request) {
      const config = request.destinationConfig!;
      assertValid(destinationConfigViolations(config));
      const overlapping = await findOverlappingSyncs(deps.db, {
        destination: destinationOfConfig(config)!.destination,
        location: destinationLocation(config),
        instance: UNKNOWN_INSTANCE,
        keySchema: request.keySchema,
        environment: undefined,
        ...(request.excludeSecretSyncId ? { excludeSyncId: request.excludeSecretSyncId } : {}),
      });
      return {
        overlaps: overlapping.length > 0,
        overlappingSyncs: overlapping.map((sync) => ({
          secretSyncId: sync.id,
          projectId: sync.projectId,
          name: sync.name,
        })),
      };
    },

    async planSync(request) {
      const view = await deps.syncs.get(request.secretSyncId);
      const readable = destinationDescriptor(view.sync.destination as Destination).capabilities.readBack;
      const reply = await deps.planner.plan(view.sync);
      const note = reply.note || (readable ? "" : "this destination cannot be read back: the plan writes every key");
      return {
        sourceRevision: reply.sourceRevision,
        createKeys: reply.createKeys,
        updateKeys: reply.updateKeys,
        deleteKeys: reply.deleteKeys,
        destinationReadable: reply.destinationReadable,
        note,
      };
    },
  };
}
