import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { DeletedSecret } from "../service/bulk-write.ts";
import type { SecretVersionView } from "../service/secret-service.ts";
import type { AuditRow, EnvironmentRow, FolderRow, ProjectRow, SecretView } from "../service/source-service.ts";

/** Maps store rows and views to API messages (init shapes). */

export const projectMessage = (row: ProjectRow) => ({
  id: row.id,
  name: row.name,
  revision: row.revision,
  createTime: timestampFromDate(row.createdAt),
});

export const environmentMessage = (row: EnvironmentRow) => ({
  id: row.id,
  projectId: row.projectId,
  slug: row.slug,
  name: row.name,
  createTime: timestampFromDate(row.createdAt),
});

export const folderMessage = (row: FolderRow, environment: string) => ({
  id: row.id,
  projectId: row.projectId,
  environment,
  path: row.path,
  createTime: timestampFromDate(row.createdAt),
});

export const secretMessage = (secret: SecretView | DeletedSecret) =>
  "deleted" in secret
    ? { projectId: secret.projectId, environment: secret.environment, path: secret.path, key: secret.key }
    : {
        id: secret.id,
        projectId: secret.projectId,
        environment: secret.environment,
        path: secret.path,
        key: secret.key,
        value: secret.value,
        comment: secret.comment,
        metadata: secret.metadata,
        version: BigInt(secret.version),
        createTime: timestampFromDate(secret.createdAt),
        updateTime: timestampFromDate(secret.updatedAt),
      };

export const secretVersionMessage = (version: SecretVersionView) => ({
  secretId: version.secretId,
  version: BigInt(version.version),
  value: version.value,
  comment: version.comment,
  metadata: version.metadata,
  actor: version.actor,
  createTime: timestampFromDate(version.createdAt),
});

export const auditEventMessage = (row: AuditRow) => ({
  id: row.id,
  projectId: row.projectId ?? "",
  actor: row.actor,
  actorName: row.actorName ?? "",
  action: row.action,
  target: row.target,
  details: row.details,
  time: timestampFromDate(row.createdAt),
});
