import type { Command } from "commander";
import { act, type CommandContext, type Options } from "../command-context.ts";
import { enumChoices, enumValue } from "../json-input.ts";
import { column, type View } from "../output.ts";
import { allPages } from "../pages.ts";
import { resources } from "../resource-schemas.ts";
import { NotificationsService } from "../service-registry.ts";

const create = NotificationsService.method.createWebhookEndpoint.input;
const eventEnum = create.field.eventTypes!.enum!;
const formatEnum = create.field.format!.enum!;
/** The event types an endpoint may subscribe to (TEST is only ever sent by `notifications test`). */
const subscribable = enumChoices(eventEnum).filter((name) => name !== "test");

const endpointView: View = {
  columns: [
    column("ID", "id"),
    column("NAME", "name"),
    column("ORIGIN", "urlOrigin"),
    column("EVENTS", "eventTypes"),
    column("FORMAT", "format", "WEBHOOK_FORMAT_"),
    column("ENABLED", "enabled"),
  ],
};
const deliveryView: View = {
  columns: [
    column("ID", "id"),
    column("EVENT", "eventType", "WEBHOOK_EVENT_TYPE_"),
    column("SYNC", "secretSyncId"),
    column("STATE", "state", "WEBHOOK_DELIVERY_STATE_"),
    column("ATTEMPTS", "attempts"),
    column("HTTP", "lastHttpStatus"),
    column("ERROR", "lastErrorKind"),
    column("CREATED", "createTime"),
  ],
};

/** The endpoint settings given on the command line (only those given, for updates). */
function endpointFields(options: Options) {
  const events = options.events as string | undefined;
  return {
    ...(options.name !== undefined ? { name: options.name as string } : {}),
    ...(options.url !== undefined ? { url: options.url as string } : {}),
    ...(events !== undefined
      ? { eventTypes: events.split(",").map((name) => enumValue(eventEnum, name, "--events")) }
      : {}),
    ...(options.format !== undefined ? { format: enumValue(formatEnum, options.format as string, "--format") } : {}),
    ...(options.description !== undefined ? { description: options.description as string } : {}),
    ...(options.enable ? { enabled: true } : {}),
    ...(options.disable ? { enabled: false } : {}),
  };
}

/** Prints an endpoint and, once, its signing secret (the value alone with --raw, for capture). */
function printWithSecret(ctx: CommandContext, endpoint: unknown, secret: string, raw: boolean) {
  if (raw) return ctx.out.line(secret);
  ctx.out.item(resources.webhookEndpoint, endpoint as never, endpointView);
  ctx.out.progress(
    ctx.out.mode === "table"
      ? `signing secret (shown once): ${secret}`
      : "the signing secret is printed only with --raw",
  );
}

/** `syncline notifications`: webhook endpoints told when a sync fails, recovers or drifts. */
export function registerNotifications(program: Command): void {
  const group = program
    .command("notifications")
    .description("webhook endpoints told when a sync fails, recovers or drifts (JSON or Slack)");
  group
    .command("create <name> <url>")
    .description("add a webhook endpoint to the project; prints its signing secret once")
    .option("--events <list>", `comma-separated: ${subscribable.join(", ")}`, subscribable.join(","))
    .option("--format <format>", `payload: ${enumChoices(formatEnum).join(", ")}`, "json")
    .option("--description <text>", "description")
    .option("--disable", "create it disabled")
    .option("--raw", "print only the signing secret")
    .action(
      act(async (ctx, [name, url], options) => {
        const projectId = await ctx.projectId();
        const request = { projectId, ...endpointFields({ ...options, name, url }), enabled: !options.disable };
        const { endpoint, signingSecret } = await ctx.session
          .client(NotificationsService)
          .createWebhookEndpoint(request);
        printWithSecret(ctx, endpoint, signingSecret, Boolean(options.raw));
      }),
    );
  group
    .command("list")
    .description("list the project's webhook endpoints")
    .action(
      act(async (ctx) => {
        const projectId = await ctx.projectId();
        const client = ctx.session.client(NotificationsService);
        const endpoints = await allPages(async (pageToken) => {
          const page = await client.listWebhookEndpoints({ projectId, pageSize: 500, pageToken });
          return { items: page.endpoints, nextPageToken: page.nextPageToken };
        });
        ctx.out.items(resources.webhookEndpoint, endpoints, endpointView);
      }),
    );
  group
    .command("get <endpoint-id>")
    .description("show a webhook endpoint (its URL path and secret are never shown)")
    .action(
      act(async (ctx, [endpointId]) => {
        const { endpoint } = await ctx.session.client(NotificationsService).getWebhookEndpoint({ endpointId });
        ctx.out.item(resources.webhookEndpoint, endpoint, endpointView);
      }),
    );
  group
    .command("update <endpoint-id>")
    .description("change an endpoint's name, URL, events, format, description or whether it is enabled")
    .option("--name <name>", "new name")
    .option("--url <url>", "new URL")
    .option("--events <list>", `comma-separated: ${subscribable.join(", ")}`)
    .option("--format <format>", `payload: ${enumChoices(formatEnum).join(", ")}`)
    .option("--description <text>", "description")
    .option("--enable", "deliver again")
    .option("--disable", "stop delivering (events are not recorded while disabled)")
    .action(
      act(async (ctx, [endpointId], options) => {
        const request = { endpointId, ...endpointFields(options) };
        const { endpoint } = await ctx.session.client(NotificationsService).updateWebhookEndpoint(request);
        ctx.out.item(resources.webhookEndpoint, endpoint, endpointView);
      }),
    );
  group
    .command("rotate-secret <endpoint-id>")
    .description("issue a new signing secret (shown once); the old one stops signing at once")
    .option("--raw", "print only the signing secret")
    .action(
      act(async (ctx, [endpointId], options) => {
        const client = ctx.session.client(NotificationsService);
        const { endpoint, signingSecret } = await client.rotateWebhookSecret({ endpointId });
        printWithSecret(ctx, endpoint, signingSecret, Boolean(options.raw));
      }),
    );
  group
    .command("test <endpoint-id>")
    .description("queue a TEST event for the endpoint; follow it with `notifications deliveries`")
    .action(
      act(async (ctx, [endpointId]) => {
        const { delivery } = await ctx.session.client(NotificationsService).sendTestEvent({ endpointId });
        ctx.out.item(resources.webhookDelivery, delivery, deliveryView);
      }),
    );
  group
    .command("deliveries <endpoint-id>")
    .description("the endpoint's delivery log, newest first")
    .option("--limit <n>", "at most this many deliveries", "100")
    .action(
      act(async (ctx, [endpointId], options) => {
        const limit = Math.max(1, Number.parseInt(options.limit as string, 10) || 100);
        const page = await ctx.session
          .client(NotificationsService)
          .listWebhookDeliveries({ endpointId, pageSize: Math.min(limit, 500) });
        ctx.out.items(resources.webhookDelivery, page.deliveries.slice(0, limit), deliveryView);
      }),
    );
  group
    .command("delete <endpoint-id>")
    .description("delete a webhook endpoint and its delivery log")
    .action(
      act(async (ctx, [endpointId]) => {
        await ctx.session.client(NotificationsService).deleteWebhookEndpoint({ endpointId });
        ctx.out.progress(`deleted webhook endpoint ${endpointId}`);
      }),
    );
}
