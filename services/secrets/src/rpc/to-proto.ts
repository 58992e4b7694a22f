import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { EnvironmentRow, FolderRow, ProjectRow } from "../store/source-store.ts";
import type { SecretView } from "../service/source-service.ts";

/** Maps store rows and views to API messages (init shapes). */

export const projectMessage = (row: ProjectRow) => ({ id: row.id, name: row.name, revision: row.revision, createTime: timestampFromDate(row.createdAt) });

export const environmentMessage = (row: EnvironmentRow) => ({ id: row.id, projectId: row.projectId, slug: row.slug, name: row.name, createTime: timestampFromDate(row.createdAt) });

export const folderMessage = (row: FolderRow, environment: string) => ({ id: row.id, projectId: row.projectId, environment, path: row.path, createTime: timestampFromDate(row.createdAt) });

export const secretMessage = (secret: SecretView) => ({
  id: secret.id,
  projectId: secret.projectId,
  environment: secret.environment,
  path: secret.path,
  key: secret.key,
  value: secret.value,
  comment: secret.comment,
  version: BigInt(secret.version),
  createTime: timestampFromDate(secret.createdAt),
  updateTime: timestampFromDate(secret.updatedAt),
});
