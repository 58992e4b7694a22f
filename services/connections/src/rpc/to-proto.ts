import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ConnectionView } from "../service/connection-service.ts";

/** Maps a connection view to the AppConnection message (init shape); there is no field for credentials. */
export const connectionMessage = (connection: ConnectionView) => ({
  id: connection.id,
  projectId: connection.projectId,
  name: connection.name,
  description: connection.description,
  app: connection.app,
  method: connection.method,
  redacted: connection.redacted,
  credentialsFingerprint: connection.fingerprint,
  createTime: timestampFromDate(connection.createdAt),
  updateTime: timestampFromDate(connection.updatedAt),
  sharedProjectIds: [...connection.sharedProjectIds],
});
