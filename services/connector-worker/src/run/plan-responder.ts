import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { PLAN_QUEUE_GROUP, subjects, withMessageSpan } from "@syncline/bus";
import { ConnectorError } from "@syncline/connectors";
import { SyncPlanReplySchema, SyncPlanRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import type { Msg, NatsConnection } from "@nats-io/nats-core";
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
 */
export function startPlanResponder(deps: {
  nc: NatsConnection;
  sources: RunSources;
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
      if (!request.secretSync) throw new ConnectorError("invalid_config", "the plan request carries no secret_sync");
      const signal = AbortSignal.any([deps.signal, AbortSignal.timeout(PLAN_DEADLINE_MS)]);
      reply = await planSync(request.secretSync, deps.sources, signal);
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
