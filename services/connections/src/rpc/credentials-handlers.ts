import type { CredentialsService } from "@syncline/gen/syncline/connections/v1/credentials_service_pb.js";
import { permissionDenied } from "@syncline/errors";
import { requireWorkerGrant, type RunGrantVerifier, type ServiceHandlers } from "@syncline/rpc";
import type { ConnectionService } from "../service/connection-service.ts";
import { connectionMessage } from "./to-proto.ts";

/**
 * The internal CredentialsService: decrypted credentials, for connector workers only, and only of
 * the connection their run grant names (docs/least-privilege.md) — PERMISSION_DENIED otherwise,
 * before anything is read. The connection id is a UUID by the proto's rule (checked at the RPC edge).
 */
export function credentialsHandlers(
  connections: ConnectionService,
  grants: RunGrantVerifier,
): ServiceHandlers<typeof CredentialsService> {
  return {
    async resolveCredentials(request, context) {
      const grant = await requireWorkerGrant(grants, context, "ResolveCredentials");
      if (grant.connectionId !== request.connectionId) {
        throw permissionDenied("the run grant is for another connection; a run resolves only its sync's connection");
      }
      const { connection, credentials } = await connections.resolve(request.connectionId);
      return { connection: connectionMessage(connection), credentials };
    },
  };
}
