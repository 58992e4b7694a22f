import { connectionInstance, type ConnectionInstance, type DestinationDescriptor } from "@syncline/connectors";
import type { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { DomainError, failedPrecondition, isDomainError, unavailable } from "@syncline/errors";
import type { RpcClient } from "@syncline/rpc";

/**
 * Checks that a connection may serve a sync: it exists, is available to the sync's project — its
 * own, or shared with it by an organisation admin (a sync must never push one project's secrets with
 * credentials another project did not share) — and is for the app the
 * destination needs. Every refusal is failed_precondition naming `connection_id`. Returns the
 * server the connection reaches (`instance`, normalised by its app), for the duplicate-destination check.
 */
export async function checkConnection(
  connections: RpcClient<typeof ConnectionsService>,
  projectId: string,
  connectionId: string,
  destination: DestinationDescriptor<unknown, unknown>,
): Promise<{ instance: ConnectionInstance }> {
  const response = await connections.getAppConnection({ connectionId }).catch((error: unknown) => {
    if (isDomainError(error, "not_found")) {
      throw failedPrecondition(`connection ${connectionId} does not exist`, [
        { field: "connection_id", description: "no such connection" },
      ]);
    }
    if (error instanceof DomainError) throw unavailable(`could not check the connection: ${error.message}`);
    throw error;
  });
  const connection = response.connection;
  if (connection === undefined || !availableTo(connection, projectId)) {
    throw failedPrecondition(`connection ${connectionId} belongs to another project and is not shared with this one`, [
      { field: "connection_id", description: "must be a connection of the sync's project or one shared with it" },
    ]);
  }
  if (connection.app !== destination.app) {
    throw failedPrecondition(`connection ${connectionId} is not a connection for ${destination.name}`, [
      { field: "connection_id", description: `must be a connection for the app of ${destination.name}` },
    ]);
  }
  return { instance: connectionInstance(connection) };
}

const availableTo = (connection: { projectId: string; sharedProjectIds: readonly string[] }, projectId: string) =>
  connection.projectId === projectId || connection.sharedProjectIds.includes(projectId);
