import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { subjects, traceHeaders, type NatsConnection } from "@syncline/bus";
import {
  SyncPlanReplySchema,
  SyncPlanRequestSchema,
  type SyncPlanReply,
} from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import type { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { deadlineExceeded, DomainError, unavailable, type ErrorKind } from "@syncline/errors";
import type { RunGrants } from "../service/run-grants.ts";
import type { SyncRow } from "../store/sync-store.ts";
import { destinationSubjectToken } from "./run-request-publisher.ts";

/** Error kinds of the connector error kinds a plan can fail with; unknown kinds are unavailable (retryable). */
const planFailureKinds: Record<string, ErrorKind> = {
  auth: "failed_precondition",
  invalid_config: "failed_precondition",
  limit_exceeded: "failed_precondition",
  not_found: "failed_precondition",
  unsupported: "failed_precondition",
  conflict: "conflict",
  rate_limited: "unavailable",
  transient: "unavailable",
};

/**
 * Asks a connector worker what a run would change (core NATS request/reply on
 * `syncline.plans.<destination>`; workers answer in queue group `connector-workers`). No worker
 * listening is unavailable, no answer in time is deadline_exceeded, a failed plan is the kind of
 * its connector error kind with the worker's message (which never carries a value). The request
 * carries only the sync's id and a PLAN run grant: the worker loads the stored sync itself
 * (GetSecretSync) and reads its source and credentials under the grant, which outlives the wait by
 * a few seconds at most.
 */
export function createPlanRequester(deps: { nc: NatsConnection; timeoutMs: number; grants: RunGrants }) {
  return {
    async plan(sync: SyncRow): Promise<SyncPlanReply> {
      const subject = subjects.planRequest(destinationSubjectToken(sync.destination as Destination));
      const runGrant = await deps.grants.forPlan(sync, deps.timeoutMs);
      const payload = toBinary(
        SyncPlanRequestSchema,
        create(SyncPlanRequestSchema, { secretSyncId: sync.id, runGrant }),
      );
      let reply: SyncPlanReply;
      try {
        const msg = await deps.nc.request(subject, payload, { timeout: deps.timeoutMs, headers: traceHeaders() });
        reply = fromBinary(SyncPlanReplySchema, msg.data);
      } catch (error) {
        throw planTransportError(error, subject, deps.timeoutMs);
      }
      if (reply.error !== "") {
        throw new DomainError(
          planFailureKinds[reply.errorKind] ?? "unavailable",
          `the plan failed (${reply.errorKind || "unknown"}): ${reply.error}`,
        );
      }
      return reply;
    },
  };
}

export type PlanRequester = ReturnType<typeof createPlanRequester>;

function planTransportError(error: unknown, subject: string, timeoutMs: number): DomainError {
  const named = error as { name?: string; isNoResponders?: () => boolean; cause?: { name?: string } };
  if (named.isNoResponders?.() || named.name === "NoRespondersError" || named.cause?.name === "NoRespondersError") {
    return unavailable(`no connector worker answers plans on ${subject}; start a worker serving this destination kind`);
  }
  if (named.name === "TimeoutError" || named.cause?.name === "TimeoutError") {
    return deadlineExceeded(`no connector worker answered the plan within ${timeoutMs} ms`);
  }
  return unavailable(`could not ask a connector worker for a plan: ${(error as Error).message ?? "unknown error"}`);
}
