import { appOfCredentials, ConnectorError, exampleCredentialsField, type AppDescriptor } from "@syncline/connectors";
import type { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import type { App, ConnectionCredentials } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { ServiceHandlers } from "@syncline/rpc";
import { checkConnectionName, checkDescription, checkId } from "../domain/connection-rules.ts";
import type { ConnectionService } from "../service/connection-service.ts";
import { createChecks, type Checks } from "./request-checks.ts";
import { connectionMessage } from "./to-proto.ts";

/**
 * The public ConnectionsService: validates every request (credential shape through the app's
 * registry entry), then calls the connection service. No response carries credentials.
 */
export function connectionsHandlers(
  connections: ConnectionService,
  describeApp: (app: App) => AppDescriptor,
): ServiceHandlers<typeof ConnectionsService> {
  return {
    async updateAppConnection(request, context) {
      const checks = createChecks();
      checks.check("connection_id", checkId(request.connectionId));
      if (request.name !== undefined) checks.check("name", checkConnectionName(request.name));
      if (request.description !== undefined) checks.check("description", checkDescription(request.description));
      const app = request.credentials ? checkCredentials(request.credentials, checks, describeApp) : undefined;
      checks.check(
        "name",
        request.name === undefined && request.description === undefined && !request.credentials
          ? "set name, description or credentials (nothing to update)"
          : undefined,
      );
      checks.done();
      const connection = await connections.update(
        request.connectionId,
        {
          ...(request.name !== undefined ? { name: request.name } : {}),
          ...(request.description !== undefined ? { description: request.description } : {}),
          ...(request.credentials && app !== undefined ? { credentials: request.credentials, app } : {}),
          skipValidation: request.skipValidation,
        },
        context.signal,
      );
      return { connection: connectionMessage(connection) };
    },

    async createAppConnection(request, context) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.check("name", checkConnectionName(request.name));
      checks.check("description", checkDescription(request.description));
      const app = checkCredentials(request.credentials, checks, describeApp);
      checks.done(); // throws when app or credentials are missing
      const connection = await connections.create(
        {
          projectId: request.projectId,
          name: request.name,
          description: request.description,
          app: app!,
          credentials: request.credentials!,
          skipValidation: request.skipValidation,
        },
        context.signal,
      );
      return { connection: connectionMessage(connection) };
    },

    async getAppConnection(request) {
      const checks = createChecks();
      checks.check("connection_id", checkId(request.connectionId));
      checks.done();
      return { connection: connectionMessage(await connections.get(request.connectionId)) };
    },

    async listAppConnections(request) {
      const checks = createChecks();
      checks.check("project_id", checkId(request.projectId));
      checks.done();
      return { connections: (await connections.list(request.projectId)).map(connectionMessage) };
    },

    async deleteAppConnection(request) {
      const checks = createChecks();
      checks.check("connection_id", checkId(request.connectionId));
      checks.done();
      await connections.delete(request.connectionId);
      return {};
    },
  };
}

/** Records what is wrong with the credentials (field names like `credentials.<app>.<field>`); returns their app. */
function checkCredentials(
  credentials: ConnectionCredentials | undefined,
  checks: Checks,
  describeApp: (app: App) => AppDescriptor,
): App | undefined {
  const app = appOfCredentials(credentials)?.app;
  if (credentials === undefined || app === undefined) {
    checks.check("credentials", `is required: set the credentials of one app, e.g. ${exampleCredentialsField()}`);
    return undefined;
  }
  let descriptor: AppDescriptor;
  try {
    descriptor = describeApp(app);
  } catch (error) {
    checks.check(
      "credentials",
      error instanceof ConnectorError ? error.message : "names an app this Syncline does not support",
    );
    return undefined;
  }
  checks.add(descriptor.checkCredentials(credentials));
  return app;
}
