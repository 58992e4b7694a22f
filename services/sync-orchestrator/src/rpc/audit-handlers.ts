import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Database } from "@syncline/db";
import type { SecretSyncsService } from "@syncline/gen/syncline/syncs/v1/secret_syncs_service_pb.js";
import { paginate, readPageRequest, type ServiceHandlers } from "@syncline/rpc";
import { listSyncAudit, type AuditRow } from "../service/sync-audit.ts";

/** ListSyncAuditEvents: the audit trail of a project's syncs (or one sync), newest first. */
export function auditHandlers(deps: {
  db: Database;
}): Pick<ServiceHandlers<typeof SecretSyncsService>, "listSyncAuditEvents"> {
  return {
    async listSyncAuditEvents(request) {
      const list = `audit:${request.projectId}:${request.secretSyncId}`;
      const { size, after } = readPageRequest(list, request, 100, (position) => parsePosition(position) !== undefined);
      const position = after === undefined ? undefined : parsePosition(after);
      const rows = await listSyncAudit(deps.db, {
        projectId: request.projectId,
        ...(request.secretSyncId ? { syncId: request.secretSyncId } : {}),
        ...(position ? { after: position } : {}),
        limit: size + 1,
      });
      const { page, nextPageToken } = paginate(list, rows, size, (row) => `${row.createdAt.toISOString()}|${row.id}`);
      return { events: page.map(auditEventMessage), nextPageToken };
    },
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The position of an audit page: the time and id of the last event served. */
function parsePosition(position: string): { createdAt: Date; id: string } | undefined {
  const [time, id] = position.split("|");
  const createdAt = new Date(time ?? "");
  return Number.isNaN(createdAt.getTime()) || !id || !UUID.test(id) ? undefined : { createdAt, id };
}

const auditEventMessage = (row: AuditRow) => ({
  id: row.id,
  projectId: row.projectId,
  secretSyncId: row.syncId ?? "",
  actor: row.actor,
  actorName: row.actorName ?? "",
  action: row.action,
  details: row.details,
  time: timestampFromDate(row.createdAt),
});
