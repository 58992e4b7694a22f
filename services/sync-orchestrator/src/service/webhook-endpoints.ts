import { randomBytes, randomUUID } from "node:crypto";
import { isUniqueViolation, traced, type Database } from "@syncline/db";
import { alreadyExists, notFound } from "@syncline/errors";
import { WebhookEventType, type WebhookFormat } from "@syncline/gen/syncline/notifications/v1/webhooks_pb.js";
import { recordAudit, type SyncAuditEntry } from "../store/audit-store.ts";
import * as deliveries from "../store/webhook-delivery-store.ts";
import * as store from "../store/webhook-endpoint-store.ts";
import { recordEvent } from "./notification-events.ts";
import type { WebhookSealer } from "./webhook-sealer.ts";

/** An endpoint as the API shows it: never the URL's path or query, never the signing secret. */
export type EndpointView = Omit<store.EndpointRow, "sealedUrl" | "sealedSecret" | "rootKeyId" | "wrappedDataKey">;
export type DeliveryView = deliveries.DeliveryRow;

/** Who made a change, as the audit trail records it. */
export type Actor = SyncAuditEntry["actor"];

/** A new endpoint, as validated at the edge (URL http(s), name, at least one event type). */
export interface NewEndpoint {
  readonly projectId: string;
  readonly name: string;
  readonly description: string;
  readonly url: string;
  readonly eventTypes: readonly WebhookEventType[];
  readonly format: WebhookFormat;
  readonly enabled: boolean;
}

/** Fields an update may change; undefined keeps the current value. */
export type EndpointChanges = Partial<Omit<NewEndpoint, "projectId">>;

/** A fresh signing secret: `whsec_` and 32 random bytes in base64url. */
const newSigningSecret = () => `whsec_${randomBytes(32).toString("base64url")}`;

/** Scheme, host and port of a URL: all of it that is shown or logged. */
export const urlOrigin = (url: string) => new URL(url).origin;

/**
 * Webhook endpoints of projects (NotificationsService): every mutation is audited
 * (`webhook.create`, `webhook.update` with the changed fields, `webhook.rotate_secret`,
 * `webhook.delete`, `webhook.test`) in its own transaction. URLs and signing secrets are sealed
 * (webhook-sealer.ts); a signing secret is returned only by create and rotate.
 */
export function createWebhookEndpoints(deps: { db: Database; sealer: WebhookSealer }) {
  const { db, sealer } = deps;
  const view = ({ sealedUrl, sealedSecret, rootKeyId, wrappedDataKey, ...rest }: store.EndpointRow): EndpointView =>
    rest;
  const audit = (tx: Database, endpoint: store.EndpointRow, actor: Actor, action: string, details = {}) =>
    recordAudit(tx, {
      projectId: endpoint.projectId,
      actor,
      action,
      details: { endpoint_id: endpoint.id, name: endpoint.name, ...details },
    });
  const found = async (tx: Database, id: string) => {
    const row = await store.lockEndpoint(tx, id);
    if (!row) throw notFound(`webhook endpoint ${id}`);
    return row;
  };
  const named = async <T>(name: string, write: () => Promise<T>): Promise<T> => {
    try {
      return await write();
    } catch (error) {
      if (isUniqueViolation(error)) throw alreadyExists(`webhook endpoint "${name}" in this project`);
      throw error;
    }
  };

  return {
    async create(input: NewEndpoint, actor: Actor): Promise<{ endpoint: EndpointView; secret: string }> {
      const id = randomUUID();
      const secret = newSigningSecret();
      const row = await named(input.name, () =>
        traced("webhook_endpoints.create", () =>
          db.transaction(async (tx) => {
            const inserted = await store.insertEndpoint(tx, {
              id,
              projectId: input.projectId,
              name: input.name,
              description: input.description,
              urlOrigin: urlOrigin(input.url),
              ...sealer.seal(id, { url: input.url, secret }),
              eventTypes: [...input.eventTypes],
              format: input.format,
              enabled: input.enabled,
            });
            await audit(tx, inserted, actor, "webhook.create", { url_origin: inserted.urlOrigin });
            return inserted;
          }),
        ),
      );
      return { endpoint: view(row), secret };
    },

    async get(id: string): Promise<EndpointView> {
      const row = await traced("webhook_endpoints.get", () => store.findEndpoint(db, id));
      if (!row) throw notFound(`webhook endpoint ${id}`);
      return view(row);
    },

    async list(query: { projectId: string; afterName?: string; limit: number }): Promise<EndpointView[]> {
      return (await traced("webhook_endpoints.list", () => store.listEndpoints(db, query))).map(view);
    },

    async update(id: string, changes: EndpointChanges, actor: Actor): Promise<EndpointView> {
      return named(changes.name ?? "", () =>
        traced("webhook_endpoints.update", () =>
          db.transaction(async (tx) => {
            const current = await found(tx, id);
            const changed = Object.entries(changes)
              .filter(([, value]) => value !== undefined)
              .map(([field]) => field);
            const resealed =
              changes.url === undefined
                ? {}
                : {
                    urlOrigin: urlOrigin(changes.url),
                    ...sealer.seal(id, { url: changes.url, secret: sealer.open(id, current).secret }),
                  };
            const updated = await store.updateEndpoint(tx, id, {
              ...(changes.name !== undefined ? { name: changes.name } : {}),
              ...(changes.description !== undefined ? { description: changes.description } : {}),
              ...(changes.eventTypes !== undefined ? { eventTypes: [...changes.eventTypes] } : {}),
              ...(changes.format !== undefined ? { format: changes.format } : {}),
              ...(changes.enabled !== undefined ? { enabled: changes.enabled } : {}),
              ...resealed,
            });
            await audit(tx, updated, actor, "webhook.update", { fields: changed.join(",") });
            return view(updated);
          }),
        ),
      );
    },

    async remove(id: string, actor: Actor): Promise<void> {
      await traced("webhook_endpoints.delete", () =>
        db.transaction(async (tx) => {
          const current = await found(tx, id);
          await store.deleteEndpoint(tx, id);
          await audit(tx, current, actor, "webhook.delete");
        }),
      );
    },

    async rotateSecret(id: string, actor: Actor): Promise<{ endpoint: EndpointView; secret: string }> {
      const secret = newSigningSecret();
      const row = await traced("webhook_endpoints.rotate_secret", () =>
        db.transaction(async (tx) => {
          const current = await found(tx, id);
          const updated = await store.updateEndpoint(tx, id, {
            ...sealer.seal(id, { url: sealer.open(id, current).url, secret }),
            secretRotatedAt: new Date(),
          });
          await audit(tx, updated, actor, "webhook.rotate_secret");
          return updated;
        }),
      );
      return { endpoint: view(row), secret };
    },

    /** Queues a TEST event for this endpoint only (enabled or not: a test is how one checks it). */
    async sendTest(id: string, actor: Actor): Promise<DeliveryView> {
      return traced("webhook_endpoints.send_test", () =>
        db.transaction(async (tx) => {
          const current = await found(tx, id);
          const time = new Date();
          const [delivery] = await recordEvent(
            tx,
            { id: randomUUID(), type: WebhookEventType.TEST, time, projectId: current.projectId },
            [current],
          );
          await audit(tx, current, actor, "webhook.test", { event_id: delivery!.eventId });
          return delivery!;
        }),
      );
    },

    async listDeliveries(query: { endpointId: string; beforeSeq?: bigint; limit: number }): Promise<DeliveryView[]> {
      await this.get(query.endpointId);
      return traced("webhook_deliveries.list", () => deliveries.listDeliveries(db, query));
    },
  };
}

export type WebhookEndpoints = ReturnType<typeof createWebhookEndpoints>;
