import { randomUUID } from "node:crypto";
import type { Database } from "@syncline/db";
import { WebhookDeliveryState, WebhookEventType } from "@syncline/gen/syncline/notifications/v1/webhooks_pb.js";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { eventPayload, type EventFacts, type EventSync } from "../domain/webhook-event.ts";
import { isFailing, setFailing } from "../store/sync-alert-store.ts";
import { insertDeliveries, type DeliveryRow } from "../store/webhook-delivery-store.ts";
import { listEnabledEndpoints, type EndpointRow } from "../store/webhook-endpoint-store.ts";

/**
 * Records `facts` as one delivery per enabled endpoint of the project subscribed to its type (or
 * to each of `only`), due at once, in the caller's transaction — the one that records what the
 * event is about, so a crash loses neither. Returns the deliveries (none when no endpoint listens).
 */
export async function recordEvent(
  tx: Database,
  facts: EventFacts,
  only?: readonly Pick<EndpointRow, "id">[],
): Promise<DeliveryRow[]> {
  const endpoints =
    only ??
    (await listEnabledEndpoints(tx, facts.projectId)).filter((endpoint) => endpoint.eventTypes.includes(facts.type));
  const payload = eventPayload(facts) as unknown as Record<string, unknown>;
  return insertDeliveries(
    tx,
    endpoints.map((endpoint) => ({
      id: randomUUID(),
      endpointId: endpoint.id,
      eventId: facts.id,
      eventType: facts.type,
      syncId: facts.sync?.id ?? null,
      payload,
      state: WebhookDeliveryState.PENDING,
      nextAttemptAt: facts.time,
      createdAt: facts.time,
    })),
  );
}

/** A finished state of a sync's sync action, as its status now says. */
export interface SyncOutcome {
  readonly sync: EventSync;
  readonly state: SyncState;
  readonly run?: { readonly id: string; readonly trigger: number };
  readonly failureKind?: string;
  readonly message?: string;
}

/**
 * Called wherever a sync's sync action status becomes FAILED or SUCCEEDED, in that transaction (under
 * the sync's lock): a failure of a sync not already failing is SYNC_FAILED, a success of a failing
 * sync is SYNC_RECOVERED; a repeated failure and an ordinary success are no event. Returns how many
 * deliveries were recorded.
 */
export async function recordSyncOutcome(tx: Database, outcome: SyncOutcome): Promise<number> {
  if (outcome.state !== SyncState.FAILED && outcome.state !== SyncState.SUCCEEDED) return 0;
  const failed = outcome.state === SyncState.FAILED;
  if ((await isFailing(tx, outcome.sync.id)) === failed) return 0;
  await setFailing(tx, outcome.sync.id, failed);
  const deliveries = await recordEvent(tx, {
    id: randomUUID(),
    type: failed ? WebhookEventType.SYNC_FAILED : WebhookEventType.SYNC_RECOVERED,
    time: new Date(),
    projectId: outcome.sync.projectId,
    sync: outcome.sync,
    ...(outcome.run ? { run: outcome.run } : {}),
    ...(failed ? { error: { kind: outcome.failureKind ?? "", message: outcome.message ?? "" } } : {}),
  });
  return deliveries.length;
}

/** Called when a drift check found differences at the destination, in the transaction that stores its report. */
export async function recordDriftDetected(
  tx: Database,
  drift: { sync: EventSync; run: { id: string; trigger: number }; facts: NonNullable<EventFacts["drift"]> },
): Promise<number> {
  const deliveries = await recordEvent(tx, {
    id: randomUUID(),
    type: WebhookEventType.DRIFT_DETECTED,
    time: new Date(),
    projectId: drift.sync.projectId,
    sync: drift.sync,
    run: drift.run,
    drift: drift.facts,
  });
  return deliveries.length;
}
