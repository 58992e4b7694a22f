import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { NotificationsService } from "@syncline/gen/syncline/notifications/v1/notifications_service_pb.js";
import { WebhookFormat } from "@syncline/gen/syncline/notifications/v1/webhooks_pb.js";
import { auditActor, paginate, readPageRequest, type ServiceHandlers } from "@syncline/rpc";
import type { DeliveryView, EndpointView, WebhookEndpoints } from "../service/webhook-endpoints.ts";

/**
 * The public NotificationsService: the protos' field rules hold when these run (INVALID_ARGUMENT
 * naming each field at fault, before anything is stored); the caller's principal is the actor of
 * every audited change. Signing secrets leave only in the create and rotate answers.
 */
export function notificationsHandlers(endpoints: WebhookEndpoints): ServiceHandlers<typeof NotificationsService> {
  return {
    async createWebhookEndpoint(request, context) {
      const { endpoint, secret } = await endpoints.create(
        {
          projectId: request.projectId,
          name: request.name,
          description: request.description,
          url: request.url,
          eventTypes: request.eventTypes,
          format: request.format === WebhookFormat.UNSPECIFIED ? WebhookFormat.JSON : request.format,
          enabled: request.enabled ?? true,
        },
        auditActor(context.principal),
      );
      return { endpoint: endpointMessage(endpoint), signingSecret: secret };
    },

    async getWebhookEndpoint(request) {
      return { endpoint: endpointMessage(await endpoints.get(request.endpointId)) };
    },

    async listWebhookEndpoints(request) {
      const list = `webhooks:${request.projectId}`;
      const { size, after } = readPageRequest(list, request, 100);
      const rows = await endpoints.list({
        projectId: request.projectId,
        ...(after === undefined ? {} : { afterName: after }),
        limit: size + 1,
      });
      const { page, nextPageToken } = paginate(list, rows, size, (row) => row.name);
      return { endpoints: page.map(endpointMessage), nextPageToken };
    },

    async updateWebhookEndpoint(request, context) {
      const endpoint = await endpoints.update(
        request.endpointId,
        {
          ...(request.name !== undefined ? { name: request.name } : {}),
          ...(request.description !== undefined ? { description: request.description } : {}),
          ...(request.url !== undefined ? { url: request.url } : {}),
          ...(request.eventTypes.length > 0 ? { eventTypes: request.eventTypes } : {}),
          ...(request.format !== undefined ? { format: request.format } : {}),
          ...(request.enabled !== undefined ? { enabled: request.enabled } : {}),
        },
        auditActor(context.principal),
      );
      return { endpoint: endpointMessage(endpoint) };
    },

    async deleteWebhookEndpoint(request, context) {
      await endpoints.remove(request.endpointId, auditActor(context.principal));
      return {};
    },

    async rotateWebhookSecret(request, context) {
      const { endpoint, secret } = await endpoints.rotateSecret(request.endpointId, auditActor(context.principal));
      return { endpoint: endpointMessage(endpoint), signingSecret: secret };
    },

    async sendTestEvent(request, context) {
      return { delivery: deliveryMessage(await endpoints.sendTest(request.endpointId, auditActor(context.principal))) };
    },

    async listWebhookDeliveries(request) {
      const list = `webhook-deliveries:${request.endpointId}`;
      const { size, after } = readPageRequest(list, request, 100, (position) => /^\d+$/.test(position));
      const rows = await endpoints.listDeliveries({
        endpointId: request.endpointId,
        ...(after === undefined ? {} : { beforeSeq: BigInt(after) }),
        limit: size + 1,
      });
      const { page, nextPageToken } = paginate(list, rows, size, (row) => row.seq);
      return { deliveries: page.map(deliveryMessage), nextPageToken, time: timestampFromDate(new Date()) };
    },
  };
}

const optionalTime = (date: Date | null) => (date ? timestampFromDate(date) : undefined);

function endpointMessage(endpoint: EndpointView) {
  return {
    id: endpoint.id,
    projectId: endpoint.projectId,
    name: endpoint.name,
    description: endpoint.description,
    urlOrigin: endpoint.urlOrigin,
    eventTypes: endpoint.eventTypes,
    format: endpoint.format,
    enabled: endpoint.enabled,
    createTime: timestampFromDate(endpoint.createdAt),
    updateTime: timestampFromDate(endpoint.updatedAt),
    secretRotateTime: timestampFromDate(endpoint.secretRotatedAt),
  };
}

function deliveryMessage(delivery: DeliveryView) {
  return {
    id: delivery.id,
    endpointId: delivery.endpointId,
    eventId: delivery.eventId,
    eventType: delivery.eventType,
    secretSyncId: delivery.syncId ?? "",
    state: delivery.state,
    attempts: delivery.attempts,
    lastHttpStatus: delivery.lastHttpStatus,
    lastErrorKind: delivery.lastErrorKind,
    lastError: delivery.lastError,
    createTime: timestampFromDate(delivery.createdAt),
    nextAttemptTime: optionalTime(delivery.nextAttemptAt),
    deliveredTime: optionalTime(delivery.deliveredAt),
    gaveUpTime: optionalTime(delivery.gaveUpAt),
  };
}
