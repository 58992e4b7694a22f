import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { subjects, type EventPublisher } from "@syncline/bus";
import { SyncRunResultSchema, type SyncRunRequest } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DriftKeys } from "./drift-check.ts";

/** One report about a run; messages are for people and never carry values. */
export interface RunReport {
  readonly state: SyncState;
  readonly message: string;
  readonly attempt: number;
  readonly startTime: Date;
  readonly endTime?: Date;
  readonly sourceRevision?: bigint;
  readonly created?: number;
  readonly updated?: number;
  readonly deleted?: number;
  /** FAILED and retried runs: the failure kind, so the orchestrator knows whether to retry later. */
  readonly failureKind?: string;
  /** Drift checks only: keys found edited at the destination. */
  readonly drift?: DriftKeys;
}

/** Publishes run progress and outcomes for the orchestrator (deduplicated per run, state and attempt). */
export function createRunReporter(publisher: EventPublisher) {
  return {
    async report(request: SyncRunRequest, report: RunReport): Promise<void> {
      await publisher.publish(
        subjects.runResult,
        SyncRunResultSchema,
        {
          runId: request.runId,
          secretSyncId: request.secretSyncId,
          action: request.action,
          state: report.state,
          message: report.message.slice(0, 1000),
          sourceRevision: report.sourceRevision ?? 0n,
          keysCreated: report.created ?? 0,
          keysUpdated: report.updated ?? 0,
          keysDeleted: report.deleted ?? 0,
          attempt: report.attempt,
          startTime: timestampFromDate(report.startTime),
          ...(report.endTime ? { endTime: timestampFromDate(report.endTime) } : {}),
          failureKind: report.failureKind ?? "",
          driftChangedKeys: [...(report.drift?.changed ?? [])],
          driftAddedKeys: [...(report.drift?.added ?? [])],
          driftRemovedKeys: [...(report.drift?.removed ?? [])],
        },
        { msgId: `run-result/${request.runId}/${SyncState[report.state]}/${report.attempt}` },
      );
    },
  };
}

export type RunReporter = ReturnType<typeof createRunReporter>;
