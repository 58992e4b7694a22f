import { randomUUID } from "node:crypto";
import type { Database } from "@syncline/db";
import { WebhookDeliveryState, type WebhookFormat } from "@syncline/gen/syncline/notifications/v1/webhooks_pb.js";
import type { Logger, MetricsRegistry } from "@syncline/telemetry";
import { afterAttempt, type AttemptOutcome, type DeliveryLimits } from "../domain/delivery-policy.ts";
import { webhookBody } from "../domain/webhook-body.ts";
import type { WebhookEventPayload } from "../domain/webhook-event.ts";
import { SIGNATURE_HEADER, signatureHeader } from "../domain/webhook-signature.ts";
import { databaseNow } from "../store/database-clock.ts";
import { claimDueDeliveries, recordAttempt, type DeliveryRow } from "../store/webhook-delivery-store.ts";
import { findEndpoint, type EndpointRow } from "../store/webhook-endpoint-store.ts";
import type { WebhookSealer } from "./webhook-sealer.ts";
import type { WebhookSender } from "./webhook-sender.ts";

/** How the dispatcher works through due deliveries. */
export interface DispatcherSettings {
  readonly pollMs: number;
  /** Deliveries claimed (and attempted side by side) per pass. */
  readonly batchSize: number;
  /** How long a claim lasts: longer than an attempt's timeout, so no two dispatchers attempt one delivery at once. */
  readonly claimMs: number;
  readonly limits: DeliveryLimits;
}

/**
 * Delivers webhook events: every `pollMs` (at once again while it finds a full batch) it claims due
 * deliveries (`FOR UPDATE SKIP LOCKED` and a claim id: replicas share the work, never attempting one
 * delivery twice at once), POSTs each — signed with the endpoint's current secret, in its format —
 * through the sender (endpoint guard, timeout), and records the attempt under its claim
 * (delivery-policy.ts: delivered, retried later with backoff or `Retry-After`, or given up).
 * Counts attempts by outcome (`syncline_webhook_deliveries_total`). Logs origins, never URLs.
 */
export function createWebhookDispatcher(deps: {
  db: Database;
  sealer: WebhookSealer;
  sender: WebhookSender;
  logger: Logger;
  metrics: MetricsRegistry;
  settings: DispatcherSettings;
}) {
  const { db, settings, logger } = deps;
  const attempts = deps.metrics.counter(
    "syncline_webhook_deliveries_total",
    "Webhook delivery attempts by outcome (delivered, retry, gave_up) and event type.",
    ["outcome", "event_type"],
  );
  const stopping = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();

  async function attempt(delivery: DeliveryRow, claimId: string, endpoint: EndpointRow | undefined): Promise<void> {
    const payload = delivery.payload as unknown as WebhookEventPayload;
    let outcome: AttemptOutcome;
    if (!endpoint?.enabled) {
      outcome = { kind: "endpoint_disabled", message: "the endpoint was disabled before the event was delivered" };
    } else {
      const { url, secret } = deps.sealer.open(endpoint.id, endpoint);
      const body = webhookBody(payload, endpoint.format as WebhookFormat);
      const headers = {
        "content-type": "application/json",
        "user-agent": "Syncline-Webhooks/1",
        "syncline-event-id": delivery.eventId,
        "syncline-event-type": payload.type,
        "syncline-delivery-id": delivery.id,
        [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(secret, body, Math.floor(Date.now() / 1000)),
      };
      outcome = await deps.sender.send({ url, body, headers }, stopping.signal);
    }
    const verdict = afterAttempt(outcome, {
      attempts: delivery.attempts + 1,
      createdAt: delivery.createdAt,
      now: new Date(),
      limits: settings.limits,
    });
    const recorded = await recordAttempt(db, delivery.id, claimId, { ...verdict, attempts: delivery.attempts + 1 });
    const label =
      verdict.state === WebhookDeliveryState.DELIVERED
        ? "delivered"
        : verdict.state === WebhookDeliveryState.GAVE_UP
          ? "gave_up"
          : "retry";
    attempts.inc({ outcome: label, event_type: payload.type });
    const fields = { deliveryId: delivery.id, endpointId: delivery.endpointId, eventType: payload.type, recorded };
    if (verdict.state === WebhookDeliveryState.GAVE_UP) {
      logger.warn({ ...fields, kind: verdict.lastErrorKind, error: verdict.lastError }, "webhook delivery gave up");
    } else if (verdict.state === WebhookDeliveryState.PENDING) {
      logger.info(
        { ...fields, kind: verdict.lastErrorKind, next: verdict.nextAttemptAt },
        "webhook delivery will retry",
      );
    }
  }

  /** One pass: claims a batch and attempts it; resolves to how many were claimed. */
  async function pass(): Promise<number> {
    const claimId = randomUUID();
    const now = await databaseNow(db);
    const claimed = await claimDueDeliveries(db, {
      now,
      claimUntil: new Date(now.getTime() + settings.claimMs),
      claimId,
      limit: settings.batchSize,
    });
    const endpoints = new Map<string, Promise<EndpointRow | undefined>>();
    const endpointOf = (id: string) => {
      if (!endpoints.has(id)) endpoints.set(id, findEndpoint(db, id));
      return endpoints.get(id)!;
    };
    await Promise.all(
      claimed.map(async (delivery) =>
        attempt(delivery, claimId, await endpointOf(delivery.endpointId)).catch((error: unknown) =>
          logger.warn(
            { err: error, deliveryId: delivery.id },
            "webhook delivery attempt failed; retried once its claim lapses",
          ),
        ),
      ),
    );
    return claimed.length;
  }

  function schedule(delayMs: number): void {
    if (stopping.signal.aborted) return;
    timer = setTimeout(() => {
      running = pass().then(
        (count) => schedule(count >= settings.batchSize ? 0 : settings.pollMs),
        (error: unknown) => {
          logger.warn({ err: error }, "could not claim webhook deliveries");
          schedule(settings.pollMs);
        },
      );
    }, delayMs);
  }

  return {
    /** Runs one pass now (tests); the loop does this every `pollMs`. */
    pass,
    start(): void {
      schedule(0);
    },
    /** Stops the loop; attempts in flight are aborted and recorded as retries. */
    async stop(): Promise<void> {
      stopping.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
