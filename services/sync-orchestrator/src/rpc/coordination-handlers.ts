import { durationFromMs, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  RunDecision,
  type SyncRunCoordinationService,
} from "@syncline/gen/syncline/syncs/v1/sync_run_coordination_service_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import type { RunCoordinator } from "../service/run-coordinator.ts";
import { secretSyncMessage, syncRunMessage } from "./to-proto.ts";

const decisions = {
  proceed: RunDecision.PROCEED,
  busy: RunDecision.BUSY,
  superseded: RunDecision.SUPERSEDED,
  gone: RunDecision.GONE,
} as const;

/** The internal SyncRunCoordinationService (connector workers only): leases with their run grants, and fencing. */
export function coordinationHandlers(coordinator: RunCoordinator): ServiceHandlers<typeof SyncRunCoordinationService> {
  return {
    async beginSyncRun(request) {
      const outcome = await coordinator.begin(request.runId, request.workerId);
      switch (outcome.decision) {
        case "proceed":
          return {
            decision: RunDecision.PROCEED,
            secretSync: secretSyncMessage(outcome.view),
            run: syncRunMessage(outcome.run),
            leaseId: outcome.leaseId,
            leaseExpireTime: timestampFromDate(outcome.leaseExpiresAt),
            leaseTtl: durationFromMs(outcome.leaseTtlMs),
            runGrant: outcome.runGrant,
          };
        case "busy":
          return { decision: RunDecision.BUSY, retryAfterMs: outcome.retryAfterMs };
        default:
          return { decision: decisions[outcome.decision] };
      }
    },

    async renewSyncRunLease(request) {
      const renewed = await coordinator.renew(request.runId, request.leaseId);
      return {
        leaseExpireTime: timestampFromDate(renewed.leaseExpiresAt),
        leaseTtl: durationFromMs(renewed.leaseTtlMs),
        runGrant: renewed.runGrant,
      };
    },

    async checkSyncRunFence(request) {
      return coordinator.checkFence(request.runId, request.leaseId, request.sourceRevision);
    },
  };
}
