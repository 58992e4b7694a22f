import { fromBinary } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { RunRow, SyncRow } from "../store/sync-store.ts";

/** Maps store rows to API messages (init shapes). */

export const secretSyncMessage = (row: SyncRow) => ({
  id: row.id,
  projectId: row.projectId,
  name: row.name,
  description: row.description,
  source: { environment: row.sourceEnvironment, path: row.sourcePath },
  connectionId: row.connectionId,
  destination: row.destination,
  destinationConfig: fromBinary(DestinationConfigSchema, row.destinationConfig),
  options: { initialSyncBehavior: row.initialSyncBehavior, keySchema: row.keySchema, disableSecretDeletion: row.disableSecretDeletion, autoSync: row.autoSync },
  syncStatus: {
    state: row.syncState,
    runId: row.syncRunId ?? "",
    message: row.syncMessage,
    ...(row.syncUpdatedAt ? { updateTime: timestampFromDate(row.syncUpdatedAt) } : {}),
  },
  lastSyncedRevision: row.lastSyncedRevision,
  createTime: timestampFromDate(row.createdAt),
  updateTime: timestampFromDate(row.updatedAt),
});

export const syncRunMessage = (row: RunRow) => ({
  id: row.id,
  syncId: row.syncId,
  action: row.action,
  trigger: row.trigger,
  state: row.state,
  message: row.message,
  sourceRevision: row.sourceRevision,
  keysCreated: row.keysCreated,
  keysUpdated: row.keysUpdated,
  keysDeleted: row.keysDeleted,
  attempts: row.attempts,
  queueTime: timestampFromDate(row.queuedAt),
  ...(row.startedAt ? { startTime: timestampFromDate(row.startedAt) } : {}),
  ...(row.endedAt ? { endTime: timestampFromDate(row.endedAt) } : {}),
});
