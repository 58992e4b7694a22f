import type { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import { checkId } from "../domain/connection-rules.ts";
import type { ConnectionService } from "../service/connection-service.ts";
import { createChecks } from "./request-checks.ts";
import { connectionMessage } from "./to-proto.ts";

/** The internal CredentialsService: decrypted credentials, for Syncline's own services only. */
export function credentialsHandlers(connections: ConnectionService): ServiceHandlers<typeof CredentialsService> {
  return {
    async resolveCredentials(request) {
      const checks = createChecks();
      checks.check("connection_id", checkId(request.connectionId));
      checks.done();
      const { connection, credentials } = await connections.resolve(request.connectionId);
      return { connection: connectionMessage(connection), credentials };
    },
  };
}
