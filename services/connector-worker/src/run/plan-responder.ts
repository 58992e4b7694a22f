import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { PLAN_QUEUE_GROUP, subjects, withMessageSpan } from "@syncline/bus";
import { ConnectorError } from "@syncline/connectors";
import { SyncPlanReplySchema, SyncPlanRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import type { Msg, NatsConnection } from "@nats-io/nats-core";
import type { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import type { RpcClient } from "@syncline/rpc";
import type { Logger } from "@syncline/telemetry";
import { classifyFailure } from "./failure-policy.ts";
import type { RunSources } from "./run-action.ts";
import { planSync, type SyncPlan } from "./sync-plan.ts";

/** Longest a plan may take before it is answered with a `transient` error. */
const PLAN_DEADLINE_MS = 25_000;

/**
 * Answers plan requests (core NATS request/reply on `syncline.plans.<destination>`, queue group
 * `connector-workers`, so one worker answers each): what a sync run would change, without
 * writing. Every failure is a reply with `error` (actionable, never a value) and `error_kind`.
 * The request is trusted for ids only: the sync planned is the one the orchestrator stores under
 * `secret_sync_id` (GetSecretSync with the worker's credential), read under the request's PLAN
 * grant; a `secret_sync` body in the request is ignored.
 */
export function startPlanResponder(deps: {
  nc: NatsConnection;
  sources: RunSources;
  /** The orchestrator's SecretSyncsService: where the sync to plan is loaded from. */
  syncs: Pick<RpcClient<typeof SecretSyncsService>, "getSecretSync">;
  logger: Logger;
  concurrency: number;
  signal: AbortSignal;
}) {
  const subscription = deps.nc.subscribe(subjects.planRequest("*"), { queue: PLAN_QUEUE_GROUP });
  const inFlight = new Set<Promise<void>>();

  async function answer(msg: Msg): Promise<void> {
    let reply: SyncPlan;
    try {
      const request = fromBinary(SyncPlanRequestSchema, msg.data);
      if (!request.secretSyncId || !request.runGrant) {
        throw new ConnectorError("invalid_config", "the plan request carries no secret_sync_id or run_grant");
      }
      const signal = AbortSignal.any([deps.signal, AbortSignal.timeout(PLAN_DEADLINE_MS)]);
      const { secretSync } = await deps.syncs.getSecretSync({ secretSyncId: request.secretSyncId }, { signal });
      if (!secretSync) throw new ConnectorError("not_found", `sync ${request.secretSyncId} was not found`);
      reply = await planSync(secretSync, deps.sources, signal, request.runGrant);
    } catch (error) {
      const failure = classifyFailure(error);
      const kind = failure.kind === "breaker_open" || failure.kind === "lease_lost" ? "transient" : failure.kind;
      deps.logger.info({ kind, reason: failure.message, subject: msg.subject }, "plan failed");
      reply = { error: failure.message.slice(0, 1000), errorKind: kind };
    }
    if (!msg.reply) return;
    msg.respond(toBinary(SyncPlanReplySchema, create(SyncPlanReplySchema, reply)));
  }

  const loop = (async () => {
    for await (const msg of subscription) {
      const task = withMessageSpan("plan request", msg.headers, () => answer(msg))
        .catch((error: unknown) => deps.logger.warn({ err: error }, "could not answer a plan request"))
        .finally(() => inFlight.delete(task));
      inFlight.add(task);
      if (inFlight.size >= deps.concurrency) await Promise.race(inFlight);
    }
  })();

  return {
    /** Stops taking plan requests and waits for the ones in progress to be answered. */
    async stop(): Promise<void> {
      await subscription.drain();
      await loop;
      await Promise.allSettled([...inFlight]);
    },
  };
}
