import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Database } from "@syncline/db";
import type { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { assertValid, checkUuid, type ServiceHandlers } from "@syncline/rpc";
import { decodePageToken, encodePageToken } from "../domain/page-token.ts";
import { listSyncAudit, type AuditRow } from "../service/sync-audit.ts";
import { pageSize, violation } from "./sync-request-checks.ts";

/** ListSyncAuditEvents: the audit trail of a project's syncs (or one sync), newest first. */
export function auditHandlers(deps: {
  db: Database;
}): Pick<ServiceHandlers<typeof SecretSyncsService>, "listSyncAuditEvents"> {
  return {
    async listSyncAuditEvents(request) {
      const list = `audit:${request.projectId}:${request.secretSyncId}`;
      const position = request.pageToken === "" ? undefined : decodePageToken(list, request.pageToken);
      const after = position === undefined ? undefined : parsePosition(position);
      assertValid([
        ...violation("project_id", checkUuid(request.projectId)),
        ...violation("secret_sync_id", request.secretSyncId === "" ? undefined : checkUuid(request.secretSyncId)),
        ...violation("page_size", request.pageSize > 500 ? "must be at most 500" : undefined),
        ...violation(
          "page_token",
          request.pageToken !== "" && after === undefined
            ? "is not a token from ListSyncAuditEvents of this project and sync"
            : undefined,
        ),
      ]);
      const size = pageSize(request.pageSize, 500, 100);
      const rows = await listSyncAudit(deps.db, {
        projectId: request.projectId,
        ...(request.secretSyncId ? { syncId: request.secretSyncId } : {}),
        ...(after ? { after } : {}),
        limit: size + 1,
      });
      const page = rows.slice(0, size);
      const last = page[page.length - 1];
      return {
        events: page.map(auditEventMessage),
        nextPageToken:
          rows.length > size && last ? encodePageToken(list, `${last.createdAt.toISOString()}|${last.id}`) : "",
      };
    },
  };
}

function parsePosition(position: string): { createdAt: Date; id: string } | undefined {
  const [time, id] = position.split("|");
  const createdAt = new Date(time ?? "");
  return Number.isNaN(createdAt.getTime()) || !id || checkUuid(id) ? undefined : { createdAt, id };
}

const auditEventMessage = (row: AuditRow) => ({
  id: row.id,
  projectId: row.projectId,
  secretSyncId: row.syncId,
  actor: row.actor,
  action: row.action,
  details: row.details,
  time: timestampFromDate(row.createdAt),
});
