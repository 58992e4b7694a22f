import type { Command } from "commander";
import { act } from "../command-context.ts";
import { column, type JsonObject, type View } from "../output.ts";
import { resources } from "../resource-schemas.ts";
import { ConnectionsService } from "../service-registry.ts";

const names = (list: unknown, field: string) => ((list as JsonObject[] | undefined) ?? []).map((x) => x[field]);

const view: View = {
  columns: [
    column("APP", "app", "APP_"),
    column("NAME", "name"),
    column("CREDENTIALS FIELD", "credentialsField"),
    {
      header: "AUTH METHODS",
      value: (item) => names(item.authMethods, "method").map((m) => String(m).replace("AUTH_METHOD_", "")),
    },
    { header: "DESTINATIONS", value: (item) => names(item.destinations, "configField") },
  ],
  id: (item) => String(item.credentialsField ?? ""),
};

/** `syncline apps list`: every app, its auth methods with their fields, and the destinations it serves. */
export function registerApps(program: Command): void {
  const group = program.command("apps").description("the apps connections are made to");
  group
    .command("list")
    .description("list every app with its auth methods and destinations (-o yaml for the credential fields)")
    .action(
      act(async (ctx) => {
        const { apps } = await ctx.session.client(ConnectionsService).listApps({});
        ctx.out.items(resources.app, apps, view);
      }),
    );
}
