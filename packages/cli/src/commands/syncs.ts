import { toJson } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { act } from "../command-context.ts";
import { messageFromJson } from "../json-input.ts";
import { column, type JsonObject, type View } from "../output.ts";
import { allPages } from "../pages.ts";
import { resources } from "../resource-schemas.ts";
import { SecretSyncsService } from "../service-registry.ts";
import { syncFields, withSyncOptions } from "./sync-options.ts";
import { syncIdOf, syncView } from "./sync-views.ts";

const method = SecretSyncsService.method;

const planView: View = {
  columns: [],
  table: (plan: JsonObject) => {
    const keys = (field: string) => ((plan[field] as string[] | undefined) ?? []).join(", ") || "-";
    const lines = [`source revision ${plan.sourceRevision ?? 0}`];
    lines.push(`create: ${keys("createKeys")}`, `update: ${keys("updateKeys")}`, `delete: ${keys("deleteKeys")}`);
    if (plan.note) lines.push(`note: ${plan.note}`);
    return lines.join("\n");
  },
};

/** `syncline syncs`: secret syncs — create, read, change, delete, plan; actions in sync-actions.ts. */
export function registerSyncs(program: Command): Command {
  const group = program.command("syncs").description("secret syncs: keep a destination equal to a source folder");
  withSyncOptions(group.command("create <name>"))
    .description("create a sync (needs --connection, --env, --destination and --config); it runs at once")
    .action(
      act(async (ctx, [name], options) => {
        const json = { projectId: await ctx.projectId(), name: name!, ...syncFields(options) };
        const request = messageFromJson(method.createSecretSync.input, json, "the sync options");
        const { secretSync } = await ctx.session.client(SecretSyncsService).createSecretSync(request);
        ctx.out.item(resources.secretSync, secretSync, syncView);
      }),
    );
  group
    .command("list")
    .description("list the project's syncs")
    .option("--state <state>", "only syncs whose last push is pending, running, succeeded or failed")
    .action(
      act(async (ctx, _args, options) => {
        const json = {
          projectId: await ctx.projectId(),
          ...(options.state ? { state: `SYNC_STATE_${String(options.state).toUpperCase()}` } : {}),
        };
        const filter = messageFromJson(method.listSecretSyncs.input, json, "--state");
        const client = ctx.session.client(SecretSyncsService);
        const syncs = await allPages(async (pageToken) => {
          const page = await client.listSecretSyncs({ ...filter, pageSize: 500, pageToken });
          return { items: page.secretSyncs, nextPageToken: page.nextPageToken };
        });
        ctx.out.items(resources.secretSync, syncs, syncView);
      }),
    );
  group
    .command("get <sync>")
    .description("show a sync (by id, or by name in --project) with its statuses")
    .action(
      act(async (ctx, [ref]) => {
        const secretSyncId = await syncIdOf(ctx, ref!);
        const { secretSync } = await ctx.session.client(SecretSyncsService).getSecretSync({ secretSyncId });
        ctx.out.item(resources.secretSync, secretSync, syncView);
      }),
    );
  withSyncOptions(group.command("update <sync>"))
    .description("change a sync: only the options given (reads its version unless --expected-version)")
    .option("--name <name>", "new name")
    .option("--expected-version <n>", "the version you read (a newer one answers ABORTED)")
    .action(
      act(async (ctx, [ref], options) => {
        const secretSyncId = await syncIdOf(ctx, ref!);
        const client = ctx.session.client(SecretSyncsService);
        const { secretSync: current } = await client.getSecretSync({ secretSyncId });
        const kind = current?.destinationConfig?.destination.case;
        const json = {
          secretSyncId,
          expectedVersion: String(options.expectedVersion ?? current?.version ?? 0),
          ...(options.name === undefined ? {} : { name: options.name as string }),
          ...syncFields(options, kind),
        };
        const request = messageFromJson(method.updateSecretSync.input, json, "the sync options");
        const { secretSync } = await client.updateSecretSync(request);
        ctx.out.item(resources.secretSync, secretSync, syncView);
      }),
    );
  group
    .command("plan <sync>")
    .description("what a push would create, update and delete, by key (nothing written)")
    .action(
      act(async (ctx, [ref]) => {
        const secretSyncId = await syncIdOf(ctx, ref!);
        const plan = await ctx.session.client(SecretSyncsService).planSync({ secretSyncId });
        ctx.out.item(method.planSync.output, plan, planView);
      }),
    );
  group
    .command("destinations")
    .description("every destination kind with its capabilities, limits and config fields")
    .action(
      act(async (ctx) => {
        const { destinations } = await ctx.session.client(SecretSyncsService).listDestinations({});
        const view: View = {
          columns: [
            column("DESTINATION", "destination", "DESTINATION_"),
            column("NAME", "name"),
            column("APP", "app", "APP_"),
          ],
          id: (item) => String(item.destination ?? ""),
        };
        ctx.out.items(resources.destination, destinations, view);
      }),
    );
  group
    .command("check-destination")
    .description("would a sync to this destination overlap one that exists?")
    .requiredOption("--destination <kind>", "destination kind")
    .requiredOption("--config <json>", "the destination's config as JSON")
    .option("--key-schema <template>", "key schema")
    .option("--exclude <sync-id>", "ignore this sync (the one being changed)")
    .action(
      act(async (ctx, _args, options) => {
        const fields = syncFields({ destination: options.destination, config: options.config });
        const json = {
          ...fields,
          keySchema: (options.keySchema as string | undefined) ?? "",
          ...(options.exclude ? { excludeSecretSyncId: options.exclude as string } : {}),
          ...(ctx.settings.project ? { projectId: await ctx.projectId() } : {}),
        };
        const request = messageFromJson(method.checkDestination.input, json, "--config");
        const response = await ctx.session.client(SecretSyncsService).checkDestination(request);
        ctx.out.value(toJson(method.checkDestination.output, response));
      }),
    );
  group
    .command("audit")
    .description("who changed the project's syncs, and how (one sync with --sync)")
    .option("--sync <sync>", "only this sync")
    .action(
      act(async (ctx, _args, options) => {
        const projectId = await ctx.projectId();
        const secretSyncId = options.sync ? await syncIdOf(ctx, options.sync as string) : "";
        const client = ctx.session.client(SecretSyncsService);
        const events = await allPages(async (pageToken) => {
          const page = await client.listSyncAuditEvents({ projectId, secretSyncId, pageSize: 500, pageToken });
          return { items: page.events, nextPageToken: page.nextPageToken };
        });
        const view: View = {
          columns: [
            column("TIME", "time"),
            column("ACTION", "action"),
            column("ACTOR", "actorName"),
            column("SYNC", "secretSyncId"),
          ],
        };
        ctx.out.items(resources.syncAuditEvent, events, view);
      }),
    );
  return group;
}
