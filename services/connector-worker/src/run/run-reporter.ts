import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { subjects, type EventPublisher } from "@syncline/bus";
import { SyncRunResultSchema, type SyncRunRequest } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { DriftKeys } from "./drift-check.ts";

/** One report about a run; messages are for people and never carry values. */
export interface RunReport {
  readonly state: SyncState;
  readonly message: string;
  /** The lease the attempt ran under (the orchestrator records only reports of the current lease). */
  readonly leaseId: string;
  /** Attempts that counted so far: this one included, unless it only waited. */
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

/** Publishes run progress and outcomes for the orchestrator (deduplicated per run, lease and state). */
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
          leaseId: report.leaseId,
        },
        // One lease per begin: a report is deduplicated per attempt, also when waits repeat an attempt number.
        { msgId: `run-result/${request.runId}/${report.leaseId}/${SyncState[report.state]}` },
      );
    },
  };
}

export type RunReporter = ReturnType<typeof createRunReporter>;
