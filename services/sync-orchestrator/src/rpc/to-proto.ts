import { fromBinary, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate, type DurationSchema } from "@bufbuild/protobuf/wkt";
import {
  DestinationConfigSchema,
  SyncAction,
  type ActionStatusSchema,
  type DriftReportSchema,
  type SecretSyncSchema,
  type SyncRunSchema,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { StoredDriftReport } from "../domain/drift-rules.ts";
import type { RunRow, StatusRow, SyncView } from "../service/sync-view.ts";

/** Maps store rows to API messages (init shapes). */

function actionStatus(row: StatusRow | undefined): MessageInitShape<typeof ActionStatusSchema> {
  if (!row) return {};
  return {
    state: row.state,
    runId: row.runId ?? "",
    message: row.message,
    updateTime: timestampFromDate(row.updatedAt),
    ...(row.startedAt ? { startTime: timestampFromDate(row.startedAt) } : {}),
    ...(row.endedAt ? { endTime: timestampFromDate(row.endedAt) } : {}),
    sourceRevision: row.sourceRevision,
    ...(row.nextRetryAt ? { nextRetryTime: timestampFromDate(row.nextRetryAt) } : {}),
  };
}

function durationOf(ms: number): MessageInitShape<typeof DurationSchema> {
  return { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

function driftReport(report: StoredDriftReport): MessageInitShape<typeof DriftReportSchema> {
  return {
    changedKeys: report.changed,
    addedKeys: report.added,
    removedKeys: report.removed,
    checkTime: timestampFromDate(new Date(report.checkTime)),
    repaired: report.repaired,
  };
}

export function secretSyncMessage({ sync: row, statuses }: SyncView): MessageInitShape<typeof SecretSyncSchema> {
  return {
    id: row.id,
    projectId: row.projectId,
    name: row.name,
    description: row.description,
    source: { environment: row.sourceEnvironment, path: row.sourcePath, recursive: row.sourceRecursive },
    connectionId: row.connectionId,
    destination: row.destination,
    destinationConfig: fromBinary(DestinationConfigSchema, row.destinationConfig),
    options: {
      initialSyncBehavior: row.initialSyncBehavior,
      keySchema: row.keySchema,
      disableSecretDeletion: row.disableSecretDeletion,
      autoSync: row.autoSync,
      ...(row.driftCheckIntervalMs ? { driftCheckInterval: durationOf(row.driftCheckIntervalMs) } : {}),
    },
    syncStatus: actionStatus(statuses.get(SyncAction.SYNC)),
    importStatus: actionStatus(statuses.get(SyncAction.IMPORT)),
    removeStatus: actionStatus(statuses.get(SyncAction.REMOVE)),
    lastSyncedRevision: row.lastSyncedRevision,
    version: row.version,
    ...(row.driftReport ? { drift: driftReport(row.driftReport) } : {}),
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
  };
}

export function syncRunMessage(row: RunRow): MessageInitShape<typeof SyncRunSchema> {
  return {
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
    coalescedRequests: row.coalescedRequests,
    importBehavior: row.importBehavior,
    queueTime: timestampFromDate(row.queuedAt),
    ...(row.sourceCommitTime ? { sourceCommitTime: timestampFromDate(row.sourceCommitTime) } : {}),
    ...(row.startedAt ? { startTime: timestampFromDate(row.startedAt) } : {}),
    ...(row.endedAt ? { endTime: timestampFromDate(row.endedAt) } : {}),
  };
}
