import type { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import type { ConnectionService } from "../service/connection-service.ts";
import { connectionMessage } from "./to-proto.ts";

/**
 * The internal CredentialsService: decrypted credentials, for Syncline's own services only. The
 * connection id is a UUID by the proto's rule (checked at the RPC edge).
 */
export function credentialsHandlers(connections: ConnectionService): ServiceHandlers<typeof CredentialsService> {
  return {
    async resolveCredentials(request) {
      const { connection, credentials } = await connections.resolve(request.connectionId);
      return { connection: connectionMessage(connection), credentials };
    },
  };
}
