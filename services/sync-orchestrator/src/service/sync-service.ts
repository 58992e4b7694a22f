import { randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { isUniqueViolation, traced, type Database } from "@syncline/db";
import type { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { DestinationConfigSchema, InitialSyncBehavior, SyncTrigger, type DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { Code, RpcError, type RpcClient } from "@syncline/rpc";
import { destinationDescriptor } from "@syncline/connectors";
import { eq } from "drizzle-orm";
import { secretSyncs } from "../store/schema.ts";
import * as store from "../store/sync-store.ts";
import { destinationKindOf } from "../domain/destination-kind.ts";
import type { RunRequester } from "./run-requester.ts";

/** A validated request to create a sync (the rpc layer checked shapes and names). */
export interface NewSecretSync {
  readonly projectId: string;
  readonly name: string;
  readonly description: string;
  readonly sourceEnvironment: string;
  readonly sourcePath: string;
  readonly connectionId: string;
  readonly destinationConfig: DestinationConfig;
  readonly initialSyncBehavior: InitialSyncBehavior;
  readonly keySchema: string;
  readonly disableSecretDeletion: boolean;
  readonly autoSync: boolean;
}

/**
 * The orchestrator's use cases for syncs. Creating a sync checks its connection (it must exist and
 * be of the app the destination needs) and, with auto-sync, requests the first run at once.
 */
export function createSyncService(deps: { db: Database; connections: RpcClient<typeof ConnectionsService>; runs: RunRequester }) {
  const { db } = deps;

  async function requireSync(id: string): Promise<store.SyncRow> {
    const row = await traced("secret_syncs.get", () => store.findSync(db, id));
    if (!row) throw RpcError.notFound(`secret sync ${id}`);
    return row;
  }

  async function checkConnection(projectId: string, connectionId: string, destination: ReturnType<typeof destinationDescriptor>): Promise<void> {
    const response = await deps.connections.getAppConnection({ connectionId }).catch((error: unknown) => {
      if (error instanceof RpcError && error.code === Code.NOT_FOUND) {
        throw RpcError.failedPrecondition(`connection ${connectionId} does not exist`, [{ field: "connection_id", description: "no such connection" }]);
      }
      if (error instanceof RpcError) throw RpcError.unavailable(`could not check the connection: ${error.message}`);
      throw error;
    });
    if (response.connection?.projectId !== projectId) {
      throw RpcError.failedPrecondition(`connection ${connectionId} belongs to another project`, [
        { field: "connection_id", description: "must be a connection of the sync's project" },
      ]);
    }
    if (response.connection?.app !== destination.app) {
      throw RpcError.failedPrecondition(`connection ${connectionId} is not a ${destination.name} connection`, [
        { field: "connection_id", description: `must be a connection for the app of ${destination.name}` },
      ]);
    }
  }

  return {
    async create(input: NewSecretSync): Promise<store.SyncRow> {
      const kind = destinationKindOf(input.destinationConfig);
      if (kind === undefined) throw RpcError.invalidArgument([{ field: "destination_config", description: "must set one destination" }]);
      const descriptor = destinationDescriptor(kind);
      await checkConnection(input.projectId, input.connectionId, descriptor);
      const row: store.NewSyncRow = {
        id: randomUUID(),
        projectId: input.projectId,
        name: input.name,
        description: input.description,
        sourceEnvironment: input.sourceEnvironment,
        sourcePath: input.sourcePath,
        connectionId: input.connectionId,
        destination: descriptor.destination,
        destinationConfig: Buffer.from(toBinary(DestinationConfigSchema, create(DestinationConfigSchema, input.destinationConfig))),
        initialSyncBehavior: input.initialSyncBehavior,
        keySchema: input.keySchema,
        disableSecretDeletion: input.disableSecretDeletion,
        autoSync: input.autoSync,
      };
      let created: store.SyncRow;
      try {
        [created] = (await traced("secret_syncs.insert", () => db.insert(secretSyncs).values(row).returning())) as [store.SyncRow];
      } catch (error) {
        if (isUniqueViolation(error)) throw RpcError.alreadyExists(`secret sync "${input.name}" in project ${input.projectId}`);
        throw error;
      }
      if (created.autoSync) {
        await deps.runs.request([created], { trigger: SyncTrigger.SYNC_CREATED, sourceRevision: 0n, runIdFor: () => randomUUID() });
        return requireSync(created.id);
      }
      return created;
    },

    get: requireSync,

    async list(projectId: string) {
      return traced("secret_syncs.list", () => store.listSyncs(db, projectId));
    },

    async remove(id: string): Promise<void> {
      const deleted = await traced("secret_syncs.delete", () => db.delete(secretSyncs).where(eq(secretSyncs.id, id)).returning({ id: secretSyncs.id }));
      if (deleted.length === 0) throw RpcError.notFound(`secret sync ${id}`);
    },

    async trigger(id: string): Promise<store.RunRow> {
      const sync = await requireSync(id);
      const [run] = await deps.runs.request([sync], { trigger: SyncTrigger.MANUAL, sourceRevision: 0n, runIdFor: () => randomUUID() });
      return run!;
    },

    async listRuns(id: string, limit: number) {
      await requireSync(id);
      return traced("sync_runs.list", () => store.listRuns(db, id, limit));
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;
