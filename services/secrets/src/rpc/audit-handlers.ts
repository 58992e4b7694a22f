import type { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import { checkAuditActionPrefix, checkId } from "../domain/source-rules.ts";
import type { SourceService } from "../service/source-service.ts";
import { decodeNumericPageToken, pageSize, paginate } from "./page-token.ts";
import { createChecks } from "./request-checks.ts";
import { auditEventMessage } from "./to-proto.ts";

const MAX_PAGE = 1000;

/**
 * ListAuditEvents (admin only): newest first, optionally one project's and one action prefix's.
 * A deleted project's entries stay listable by its id.
 */
export function auditHandlers(source: SourceService): Pick<ServiceHandlers<typeof SecretsService>, "listAuditEvents"> {
  return {
    async listAuditEvents(request) {
      const checks = createChecks();
      if (request.projectId !== "") checks.check("project_id", checkId(request.projectId));
      checks.check("action_prefix", checkAuditActionPrefix(request.actionPrefix));
      const { size, problem } = pageSize(request.pageSize, MAX_PAGE, 100);
      checks.check("page_size", problem);
      const before = decodeNumericPageToken(request.pageToken);
      checks.check("page_token", before === null ? "is not a token this service issued" : undefined);
      checks.done();
      const rows = await source.listAuditEvents({
        actionPrefix: request.actionPrefix,
        limit: size + 1,
        ...(request.projectId ? { projectId: request.projectId } : {}),
        ...(before ? { beforeSeq: before } : {}),
      });
      const { page, nextPageToken } = paginate(rows, size, (row) => row.seq);
      return { events: page.map(auditEventMessage), nextPageToken };
    },
  };
}
