import { randomUUID } from "node:crypto";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  destinationDescriptor,
  destinationLocation,
  destinationOfConfig,
  instanceColumn,
  instanceFromColumn,
} from "@syncline/connectors";
import { isUniqueViolation, traced, type Database } from "@syncline/db";
import type { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import {
  Destination,
  DestinationConfigSchema,
  SyncAction,
  SyncTrigger,
  type DestinationConfig,
  type InitialSyncBehavior,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { alreadyExists, assertValid, conflict, failedPrecondition, invalidArgument, notFound } from "@syncline/errors";
import type { AuditActor, RpcClient } from "@syncline/rpc";
import { capabilityViolations } from "../domain/capability-rules.ts";
import { decodePageToken, encodePageToken } from "@syncline/rpc";
import { recordAudit } from "../store/audit-store.ts";
import { resetRetries } from "../store/status-store.ts";
import * as store from "../store/sync-store.ts";
import { checkConnection } from "./connection-check.ts";
import { assertNoOverlap, lockClaimArea } from "./destination-overlaps.ts";
import type { QueuedRun, RunQueue } from "./run-queue.ts";
import { inOneSnapshot, readView, viewsOf, type SyncView } from "./sync-view.ts";
import type { SyncWatchers } from "./sync-watchers.ts";

/** A sync source as stored: normalised path. */
export interface SourceInput {
  readonly environment: string;
  readonly path: string;
  readonly recursive: boolean;
}

/** A validated request to create a sync (the rpc layer checked shapes and names). */
export interface NewSecretSync {
  readonly projectId: string;
  readonly name: string;
  readonly description: string;
  readonly source: SourceInput;
  readonly connectionId: string;
  readonly destinationConfig: DestinationConfig;
  readonly initialSyncBehavior: InitialSyncBehavior;
  readonly keySchema: string;
  readonly disableSecretDeletion: boolean;
  readonly autoSync: boolean;
  /** Drift check interval in milliseconds (already within bounds); undefined means none. */
  readonly driftCheckIntervalMs?: number;
}

/** A validated partial update; undefined fields stay as they are. */
export interface SyncChanges {
  readonly name?: string;
  readonly description?: string;
  readonly source?: SourceInput;
  readonly connectionId?: string;
  readonly destinationConfig?: DestinationConfig;
  readonly keySchema?: string;
  readonly disableSecretDeletion?: boolean;
  readonly autoSync?: boolean;
  /** A new drift check interval in milliseconds; null turns drift checks off. */
  readonly driftCheckIntervalMs?: number | null;
}

/** Filters and page of ListSecretSyncs (validated). */
export interface SyncListQuery {
  readonly projectId: string;
  readonly destination?: number;
  readonly connectionId?: string;
  readonly syncState?: number;
  readonly pageSize: number;
  readonly pageToken: string;
}

/** The columns of a drift check interval: the interval and its first check one interval from now (none for null). */
function driftSchedule(intervalMs: number | null | undefined): Partial<store.NewSyncRow> {
  if (intervalMs === undefined) return {};
  return { driftCheckIntervalMs: intervalMs, nextDriftCheckAt: intervalMs ? new Date(Date.now() + intervalMs) : null };
}

/** Drift checks read the destination back: FAILED_PRECONDITION where it cannot be. */
function assertDriftReadable(descriptor: { name: string; capabilities: { readBack: boolean } }): void {
  if (descriptor.capabilities.readBack) return;
  const why = `${descriptor.name} cannot be read back, so drift cannot be checked; leave drift_check_interval unset`;
  throw failedPrecondition(why, [{ field: "drift_check_interval", description: why }]);
}

const configBytes = (config: DestinationConfig) =>
  Buffer.from(toBinary(DestinationConfigSchema, create(DestinationConfigSchema, config)));

/**
 * The orchestrator's use cases for the configuration of syncs: create, read, list, update. Every
 * write checks the connection, the destination's capabilities and the duplicate-destination rule
 * before anything is stored, is audited with its actor, and requests a run where the destination
 * must change (SYNC_CREATED, CONFIG_CHANGED) when auto-sync is on.
 */
export function createSyncService(deps: {
  db: Database;
  connections: RpcClient<typeof ConnectionsService>;
  runs: RunQueue;
  watchers: SyncWatchers;
}) {
  const { db } = deps;

  async function requireView(id: string): Promise<SyncView> {
    const view = await traced("secret_syncs.get", () => readView(db, id));
    if (!view) throw notFound(`secret sync ${id}`);
    return view;
  }

  async function insertOrExplain<T>(name: string, projectId: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists(`secret sync "${name}" in project ${projectId}`);
      throw error;
    }
  }

  return {
    async create(input: NewSecretSync, actor: AuditActor): Promise<SyncView> {
      const kind = destinationOfConfig(input.destinationConfig)?.destination;
      if (kind === undefined)
        throw invalidArgument([{ field: "destination_config", description: "must set one destination" }]);
      const descriptor = destinationDescriptor(kind);
      assertValid(capabilityViolations(descriptor, { ...input, environment: input.source.environment }));
      if (input.driftCheckIntervalMs) assertDriftReadable(descriptor);
      const { instance } = await checkConnection(deps.connections, input.projectId, input.connectionId, descriptor);
      const location = destinationLocation(input.destinationConfig);
      const queued: QueuedRun[] = [];
      const created = await insertOrExplain(input.name, input.projectId, () =>
        traced("secret_syncs.insert", () =>
          db.transaction(async (tx) => {
            await lockClaimArea(tx, kind, location);
            await assertNoOverlap(tx, {
              destination: kind,
              location,
              instance,
              keySchema: input.keySchema,
              environment: input.source.environment,
            });
            const row = await store.insertSync(tx, {
              id: randomUUID(),
              projectId: input.projectId,
              name: input.name,
              description: input.description,
              sourceEnvironment: input.source.environment,
              sourcePath: input.source.path,
              sourceRecursive: input.source.recursive,
              connectionId: input.connectionId,
              destination: kind,
              destinationConfig: configBytes(input.destinationConfig),
              destinationLocation: location,
              destinationInstance: instanceColumn(instance),
              initialSyncBehavior: input.initialSyncBehavior,
              keySchema: input.keySchema,
              disableSecretDeletion: input.disableSecretDeletion,
              autoSync: input.autoSync,
              ...driftSchedule(input.driftCheckIntervalMs),
            });
            await recordAudit(tx, {
              syncId: row.id,
              projectId: row.projectId,
              actor,
              action: "sync.create",
              details: {
                name: row.name,
                destination: Destination[kind] ?? String(kind),
                location,
                source: `${row.sourceEnvironment}:${row.sourcePath}`,
                connection_id: row.connectionId,
              },
            });
            // The first push; with an IMPORT_* initial behaviour the worker imports first in that run.
            if (row.autoSync)
              queued.push(
                await deps.runs.queueIn(tx, row, {
                  action: SyncAction.SYNC,
                  trigger: SyncTrigger.SYNC_CREATED,
                  revision: 0n,
                }),
              );
            return row;
          }),
        ),
      );
      await deps.runs.publish(queued);
      return requireView(created.id);
    },

    get: requireView,

    async getByName(projectId: string, name: string): Promise<SyncView> {
      const view = await traced("secret_syncs.get_by_name", () =>
        inOneSnapshot(db, async (tx) => {
          const row = await store.findSyncByName(tx, projectId, name);
          return row ? (await viewsOf(tx, [row]))[0] : undefined;
        }),
      );
      if (!view) throw notFound(`secret sync "${name}" in project ${projectId}`);
      return view;
    },

    async list(query: SyncListQuery): Promise<{ views: SyncView[]; nextPageToken: string }> {
      const afterName = query.pageToken === "" ? undefined : decodePageToken("syncs", query.pageToken);
      if (query.pageToken !== "" && afterName === undefined)
        throw invalidArgument([{ field: "page_token", description: "is not a token from ListSecretSyncs" }]);
      const filter = {
        projectId: query.projectId,
        destination: query.destination,
        connectionId: query.connectionId,
        syncState: query.syncState,
        afterName,
      };
      const rows = await traced("secret_syncs.list", () =>
        inOneSnapshot(db, async (tx) => {
          const found = await store.listSyncs(tx, filter, query.pageSize + 1);
          return { found, views: await viewsOf(tx, found.slice(0, query.pageSize)) };
        }),
      );
      const { found, views } = rows;
      const nextPageToken =
        found.length > query.pageSize ? encodePageToken("syncs", views[views.length - 1]!.sync.name) : "";
      return { views, nextPageToken };
    },

    /**
     * A partial update at `expectedVersion` (ABORTED otherwise, nothing changed). The destination
     * kind stays; a change of what the destination should hold requests a CONFIG_CHANGED run.
     */
    async update(id: string, expectedVersion: bigint, changes: SyncChanges, actor: AuditActor): Promise<SyncView> {
      const current = (await requireView(id)).sync;
      if (current.deletionRequestedAt)
        throw failedPrecondition(`secret sync ${id} is being deleted`, [
          { field: "secret_sync_id", description: "the sync is being deleted" },
        ]);
      if (current.version !== expectedVersion)
        throw conflict(
          `secret sync ${id} is at version ${current.version}, not ${expectedVersion}; read it again and retry`,
        );
      const descriptor = destinationDescriptor(current.destination as Destination);
      if (
        changes.destinationConfig &&
        destinationOfConfig(changes.destinationConfig)?.destination !== current.destination
      ) {
        throw invalidArgument([
          {
            field: "destination_config",
            description: `must keep the destination kind (${descriptor.name}); create another sync for another kind`,
          },
        ]);
      }
      const source = changes.source ?? {
        environment: current.sourceEnvironment,
        path: current.sourcePath,
        recursive: current.sourceRecursive,
      };
      const config = changes.destinationConfig ?? fromBinary(DestinationConfigSchema, current.destinationConfig);
      const newConfigBytes = changes.destinationConfig
        ? configBytes(changes.destinationConfig)
        : current.destinationConfig;
      const patch: Partial<store.NewSyncRow> = {
        ...(changes.name !== undefined && changes.name !== current.name ? { name: changes.name } : {}),
        ...(changes.description !== undefined && changes.description !== current.description
          ? { description: changes.description }
          : {}),
        ...(source.environment !== current.sourceEnvironment ? { sourceEnvironment: source.environment } : {}),
        ...(source.path !== current.sourcePath ? { sourcePath: source.path } : {}),
        ...(source.recursive !== current.sourceRecursive ? { sourceRecursive: source.recursive } : {}),
        ...(changes.connectionId !== undefined && changes.connectionId !== current.connectionId
          ? { connectionId: changes.connectionId }
          : {}),
        ...(!newConfigBytes.equals(current.destinationConfig)
          ? { destinationConfig: newConfigBytes, destinationLocation: destinationLocation(config) }
          : {}),
        ...(changes.keySchema !== undefined && changes.keySchema !== current.keySchema
          ? { keySchema: changes.keySchema }
          : {}),
        ...(changes.disableSecretDeletion !== undefined &&
        changes.disableSecretDeletion !== current.disableSecretDeletion
          ? { disableSecretDeletion: changes.disableSecretDeletion }
          : {}),
        ...(changes.autoSync !== undefined && changes.autoSync !== current.autoSync
          ? { autoSync: changes.autoSync }
          : {}),
        ...(changes.driftCheckIntervalMs !== undefined && changes.driftCheckIntervalMs !== current.driftCheckIntervalMs
          ? driftSchedule(changes.driftCheckIntervalMs)
          : {}),
      };
      if (patch.driftCheckIntervalMs) assertDriftReadable(descriptor);
      const bookkeeping = new Set(["destinationLocation", "nextDriftCheckAt"]);
      const fields = Object.keys(patch).filter((field) => !bookkeeping.has(field));
      if (fields.length === 0) return requireView(id);
      assertValid(
        capabilityViolations(descriptor, {
          keySchema: patch.keySchema,
          disableSecretDeletion: patch.disableSecretDeletion,
          environment: source.environment,
        }),
      );
      if (patch.connectionId)
        patch.destinationInstance = instanceColumn(
          (await checkConnection(deps.connections, current.projectId, patch.connectionId, descriptor)).instance,
        );
      const next = { ...current, ...patch } as store.SyncRow;
      const moved = ["sourceEnvironment", "connectionId", "destinationConfig", "keySchema"].some(
        (field) => field in patch,
      );
      const reaches =
        moved ||
        ["sourcePath", "sourceRecursive", "disableSecretDeletion"].some((field) => field in patch) ||
        patch.autoSync === true;
      const queued: QueuedRun[] = [];
      await insertOrExplain(next.name, current.projectId, () =>
        traced("secret_syncs.update", () =>
          db.transaction(async (tx) => {
            if (moved) {
              await lockClaimArea(tx, current.destination, next.destinationLocation);
              await assertNoOverlap(tx, {
                destination: current.destination,
                location: next.destinationLocation,
                instance: instanceFromColumn(next.destinationInstance),
                keySchema: next.keySchema,
                environment: next.sourceEnvironment,
                excludeSyncId: id,
              });
            }
            const updated = await store.updateSyncAtVersion(tx, id, expectedVersion, patch);
            if (!updated)
              throw conflict(`secret sync ${id} changed while it was being updated; read it again and retry`);
            await recordAudit(tx, {
              syncId: id,
              projectId: current.projectId,
              actor,
              action: "sync.update",
              details: { fields: fields.join(","), version: String(updated.version) },
            });
            // A new configuration may cure what failed: the reconciler's backoff starts over.
            if (reaches) await resetRetries(tx, [id], SyncAction.SYNC);
            if (reaches && updated.autoSync && !updated.deletionRequestedAt) {
              queued.push(
                await deps.runs.queueIn(tx, updated, {
                  action: SyncAction.SYNC,
                  trigger: SyncTrigger.CONFIG_CHANGED,
                  revision: 0n,
                }),
              );
            }
          }),
        ),
      );
      await deps.runs.publish(queued);
      deps.watchers.notify([id]);
      return requireView(id);
    },
  };
}

export type SyncService = ReturnType<typeof createSyncService>;
