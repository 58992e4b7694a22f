import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { paginate, readPageRequest, type ServiceHandlers } from "@syncline/rpc";
import type { SourceService } from "../service/source-service.ts";
import { auditEventMessage } from "./to-proto.ts";

/**
 * ListAuditEvents (admin only): newest first, optionally one project's and one action prefix's.
 * A deleted project's entries stay listable by its id.
 */
export function auditHandlers(source: SourceService): Pick<ServiceHandlers<typeof SecretsService>, "listAuditEvents"> {
  return {
    async listAuditEvents(request) {
      const list = `audit:${request.projectId}:${request.actionPrefix}`;
      const { size, after } = readPageRequest(list, request, 100, (position) => /^[1-9][0-9]{0,18}$/.test(position));
      const rows = await source.listAuditEvents({
        actionPrefix: request.actionPrefix,
        limit: size + 1,
        ...(request.projectId ? { projectId: request.projectId } : {}),
        ...(after ? { beforeSeq: BigInt(after) } : {}),
      });
      const { page, nextPageToken } = paginate(list, rows, size, (row) => row.seq);
      return { events: page.map(auditEventMessage), nextPageToken };
    },
  };
}
