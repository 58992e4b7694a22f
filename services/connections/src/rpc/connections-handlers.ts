import { appRegistry, destinationRegistry, type AppDescriptor } from "@syncline/connectors";
import { assertValid } from "@syncline/errors";
import type { ConnectionsService } from "@syncline/gen/syncline/connections/v1/connections_service_pb.js";
import type { App } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { actorOf, paginate, readPageRequest, type ServiceHandlers } from "@syncline/rpc";
import { credentialViolations, updateViolations } from "../domain/connection-rules.ts";
import type { ConnectionService } from "../service/connection-service.ts";
import type { ConnectionSharing } from "../service/connection-sharing.ts";
import { appCatalogue } from "./app-catalogue.ts";
import { connectionMessage } from "./to-proto.ts";

/** The registries do not change while the process runs: the catalogue is built once. */
const catalogue = appCatalogue(Object.values(appRegistry), Object.values(destinationRegistry));

/**
 * The public ConnectionsService: the protos' field rules hold when these run; the handlers check
 * what needs the app's registry entry (credential shape) or several fields, then call the
 * connection service. No response carries credentials. ListApps answers the registries' catalogue.
 */
export function connectionsHandlers(
  connections: ConnectionService,
  sharing: ConnectionSharing,
  describeApp: (app: App) => AppDescriptor,
): ServiceHandlers<typeof ConnectionsService> {
  return {
    async updateAppConnection(request, context) {
      const checked = request.credentials ? credentialViolations(request.credentials, describeApp) : undefined;
      assertValid([...(checked?.violations ?? []), ...updateViolations(request)]);
      const connection = await connections.update(
        request.connectionId,
        {
          ...(request.name !== undefined ? { name: request.name } : {}),
          ...(request.description !== undefined ? { description: request.description } : {}),
          ...(request.credentials && checked?.app !== undefined
            ? { credentials: request.credentials, app: checked.app }
            : {}),
          skipValidation: request.skipValidation,
        },
        context.signal,
      );
      return { connection: connectionMessage(connection) };
    },

    async createAppConnection(request, context) {
      const credentials = request.credentials!;
      const { app, violations } = credentialViolations(credentials, describeApp);
      assertValid(violations);
      const connection = await connections.create(
        {
          projectId: request.projectId,
          name: request.name,
          description: request.description,
          app: app!,
          credentials,
          skipValidation: request.skipValidation,
        },
        context.signal,
      );
      return { connection: connectionMessage(connection) };
    },

    async getAppConnection(request) {
      const connection = await connections.get(request.connectionId, request.projectId || undefined);
      return { connection: connectionMessage(connection) };
    },

    async listAppConnections(request) {
      const list = `connections:${request.projectId}`;
      const { size, after } = readPageRequest(list, request, 100, isConnectionPosition);
      const rows = await connections.list(request.projectId, {
        after: after === undefined ? undefined : connectionPosition(after),
        limit: size + 1,
      });
      const { page, nextPageToken } = paginate(list, rows, size, (row) => `${row.name}/${row.id}`);
      return { connections: page.map(connectionMessage), nextPageToken };
    },

    async updateAppConnectionSharing(request, context) {
      const connection = await sharing.update(
        request.appConnectionId,
        request.sharedProjectIds,
        actorOf(context.principal),
      );
      return { appConnection: connectionMessage(connection) };
    },

    async listApps() {
      return { apps: catalogue };
    },

    async deleteAppConnection(request) {
      await connections.delete(request.connectionId);
      return {};
    },
  };
}

/**
 * A connections page position: `name/id` (names are slugs, without '/'); a bare name (tokens issued
 * before sharing, when names were unique in a list) resumes after that name.
 */
function connectionPosition(position: string): { name: string; id?: string } {
  const [name = "", id] = position.split("/");
  return id === undefined ? { name } : { name, id };
}

const isConnectionPosition = (position: string) =>
  /^[a-z0-9][a-z0-9-]*(\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})?$/.test(position);
