import type { Command } from "commander";
import { act } from "../command-context.ts";
import { messageFromJson, parseJsonArgument } from "../json-input.ts";
import { column, type View } from "../output.ts";
import { allPages } from "../pages.ts";
import { resources } from "../resource-schemas.ts";
import { ConnectionsService } from "../service-registry.ts";

const view: View = {
  columns: [
    column("ID", "id"),
    column("NAME", "name"),
    column("APP", "app", "APP_"),
    column("METHOD", "method", "AUTH_METHOD_"),
    column("FINGERPRINT", "credentialsFingerprint"),
    column("UPDATED", "updateTime"),
  ],
};

const credentialsHelp =
  'credentials JSON, @file or - (stdin), e.g. \'{"vault":{"instanceUrl":"https://vault:8200","token":{"token":"…"}}}\'' +
  " (`syncline apps list -o yaml` lists every app's fields)";

/** `syncline connections`: app connections (stored, encrypted credentials; write-only). */
export function registerConnections(program: Command): void {
  const group = program.command("connections").description("app connections: credentials for a destination's app");
  group
    .command("create <name>")
    .description("create a connection (its credentials are checked live unless --skip-validation)")
    .requiredOption("--credentials <json>", credentialsHelp)
    .option("--description <text>", "description")
    .option("--skip-validation", "store without checking the credentials against the app")
    .action(
      act(async (ctx, [name], options) => {
        const json = {
          projectId: await ctx.projectId(),
          name: name!,
          description: (options.description as string | undefined) ?? "",
          credentials: parseJsonArgument(options.credentials as string, "--credentials"),
          skipValidation: Boolean(options.skipValidation),
        };
        const request = messageFromJson(ConnectionsService.method.createAppConnection.input, json, "--credentials");
        const { connection } = await ctx.session.client(ConnectionsService).createAppConnection(request);
        ctx.out.item(resources.connection, connection, view);
      }),
    );
  group
    .command("list")
    .description("list the project's connections (and those shared with it)")
    .action(
      act(async (ctx) => {
        const projectId = await ctx.projectId();
        const client = ctx.session.client(ConnectionsService);
        const connections = await allPages(async (pageToken) => {
          const page = await client.listAppConnections({ projectId, pageSize: 1000, pageToken });
          return { items: page.connections, nextPageToken: page.nextPageToken };
        });
        ctx.out.items(resources.connection, connections, view);
      }),
    );
  group
    .command("get <connection-id>")
    .description("show a connection (redacted credentials and fingerprint, never the values)")
    .action(
      act(async (ctx, [connectionId]) => {
        const { connection } = await ctx.session.client(ConnectionsService).getAppConnection({ connectionId });
        ctx.out.item(resources.connection, connection, view);
      }),
    );
  group
    .command("update <connection-id>")
    .description("rename, describe or replace the credentials of a connection (its auto-syncs run)")
    .option("--name <name>", "new name")
    .option("--description <text>", "new description")
    .option("--credentials <json>", credentialsHelp)
    .option("--skip-validation", "store without checking the credentials against the app")
    .action(
      act(async (ctx, [connectionId], options) => {
        const json = {
          connectionId: connectionId!,
          ...(options.name === undefined ? {} : { name: options.name as string }),
          ...(options.description === undefined ? {} : { description: options.description as string }),
          ...(options.credentials === undefined
            ? {}
            : { credentials: parseJsonArgument(options.credentials as string, "--credentials") }),
          skipValidation: Boolean(options.skipValidation),
        };
        const request = messageFromJson(ConnectionsService.method.updateAppConnection.input, json, "--credentials");
        const { connection } = await ctx.session.client(ConnectionsService).updateAppConnection(request);
        ctx.out.item(resources.connection, connection, view);
      }),
    );
  group
    .command("share <connection-id> [project-ids...]")
    .description("share a connection with these projects (none: stop sharing); organisation admins only")
    .action(
      act(async (ctx, [appConnectionId, ...sharedProjectIds]) => {
        const request = { appConnectionId: appConnectionId!, sharedProjectIds };
        const { appConnection } = await ctx.session.client(ConnectionsService).updateAppConnectionSharing(request);
        ctx.out.item(resources.connection, appConnection, view);
      }),
    );
  group
    .command("delete <connection-id>")
    .description("delete a connection (refused while syncs use it)")
    .action(
      act(async (ctx, [connectionId]) => {
        await ctx.session.client(ConnectionsService).deleteAppConnection({ connectionId });
        ctx.out.progress(`deleted connection ${connectionId}`);
      }),
    );
}
