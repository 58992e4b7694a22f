import { connectionInstance, type ConnectionInstance, type DestinationDescriptor } from "@syncline/connectors";
import type { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import { Code, RpcError, type RpcClient } from "@syncline/rpc";

/**
 * Checks that a connection may serve a sync: it exists, belongs to the sync's project (a sync must
 * never push one project's secrets with another project's credentials) and is for the app the
 * destination needs. Every refusal is FAILED_PRECONDITION naming `connection_id`. Returns the
 * server the connection reaches (`instance`, normalised by its app), for the duplicate-destination check.
 */
export async function checkConnection(
  connections: RpcClient<typeof ConnectionsService>,
  projectId: string,
  connectionId: string,
  destination: DestinationDescriptor<unknown, unknown>,
): Promise<{ instance: ConnectionInstance }> {
  const response = await connections.getAppConnection({ connectionId }).catch((error: unknown) => {
    if (error instanceof RpcError && error.code === Code.NOT_FOUND) {
      throw RpcError.failedPrecondition(`connection ${connectionId} does not exist`, [
        { field: "connection_id", description: "no such connection" },
      ]);
    }
    if (error instanceof RpcError) throw RpcError.unavailable(`could not check the connection: ${error.message}`);
    throw error;
  });
  const connection = response.connection;
  if (connection?.projectId !== projectId) {
    throw RpcError.failedPrecondition(`connection ${connectionId} belongs to another project`, [
      { field: "connection_id", description: "must be a connection of the sync's project" },
    ]);
  }
  if (connection.app !== destination.app) {
    throw RpcError.failedPrecondition(`connection ${connectionId} is not a connection for ${destination.name}`, [
      { field: "connection_id", description: `must be a connection for the app of ${destination.name}` },
    ]);
  }
  return { instance: connectionInstance(connection) };
}
