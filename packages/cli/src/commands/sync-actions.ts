import { toJson } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { act, type CommandContext, type Options } from "../command-context.ts";
import { enumChoices, enumValue } from "../json-input.ts";
import type { JsonObject } from "../output.ts";
import { resources } from "../resource-schemas.ts";
import { assertSucceeded, type SyncRun, waitForRun } from "../run-wait.ts";
import { SecretSyncsService } from "../service-registry.ts";
import { runView, syncIdOf, syncView } from "./sync-views.ts";

const method = SecretSyncsService.method;
const importBehaviorEnum = method.importSecrets.input.field.behavior!.enum!;
const actionEnum = method.listSyncRuns.input.field.action!.enum!;

/** One line per status change of a watched sync: time, state, revision and message. */
function statusLine(sync: JsonObject): string {
  const status = (sync.syncStatus ?? {}) as JsonObject;
  const state = String(status.state ?? "SYNC_STATE_UNSPECIFIED").replace("SYNC_STATE_", "");
  const time = String(status.updateTime ?? sync.updateTime ?? "");
  return `${time}  ${state}  revision ${sync.lastSyncedRevision ?? 0}  ${status.message ?? ""}`.trimEnd();
}

/** `--wait` and `--timeout` of the commands that start a run. */
function withWait(command: Command): Command {
  return command
    .option("--wait", "wait until the run ends (progress on stderr); exit 6 when it fails")
    .option("--timeout <seconds>", "with --wait: give up waiting after this long (exit 7)", "300");
}

/** Prints the run, after waiting for it to end when asked. */
async function finish(
  ctx: CommandContext,
  run: SyncRun | undefined,
  options: Options,
  deleting = false,
): Promise<void> {
  if (!run) return;
  if (!options.wait) return ctx.out.item(resources.syncRun, run, runView);
  const ended = await waitForRun(ctx, run, Number(options.timeout) * 1000, { deleting });
  ctx.out.item(resources.syncRun, ended, runView);
  assertSucceeded(ended);
}

/** `syncline syncs trigger|import|remove|delete|runs|watch`: a sync's actions, runs and status stream. */
export function registerSyncActions(group: Command): void {
  withWait(group.command("trigger <sync>"))
    .description("push the source to the destination now (a manual run)")
    .action(
      act(async (ctx, [ref], options) => {
        const secretSyncId = await syncIdOf(ctx, ref!);
        const { run } = await ctx.session.client(SecretSyncsService).triggerSync({ secretSyncId });
        await finish(ctx, run, options);
      }),
    );
  withWait(group.command("import <sync>"))
    .description("import the destination's owned keys into the source folder")
    .option("--prefer <side>", "which value wins where both have a key: source or destination", "source")
    .action(
      act(async (ctx, [ref], options) => {
        const secretSyncId = await syncIdOf(ctx, ref!);
        const side = String(options.prefer);
        const behavior = enumValue(
          importBehaviorEnum,
          /^prioritize/i.test(side) ? side : `prioritize-${side}`,
          "--prefer",
        );
        const { run } = await ctx.session.client(SecretSyncsService).importSecrets({ secretSyncId, behavior });
        await finish(ctx, run, options);
      }),
    );
  withWait(group.command("remove <sync>"))
    .description("delete every key the sync owns at the destination (the sync stays)")
    .action(
      act(async (ctx, [ref], options) => {
        const secretSyncId = await syncIdOf(ctx, ref!);
        const { run } = await ctx.session.client(SecretSyncsService).removeSecrets({ secretSyncId });
        await finish(ctx, run, options);
      }),
    );
  withWait(group.command("delete <sync>"))
    .description("delete a sync (with --remove-secrets: remove its keys at the destination first)")
    .option("--remove-secrets", "delete the owned keys at the destination, then the sync")
    .action(
      act(async (ctx, [ref], options) => {
        const secretSyncId = await syncIdOf(ctx, ref!);
        const removeSecrets = Boolean(options.removeSecrets);
        const { removeRun } = await ctx.session
          .client(SecretSyncsService)
          .deleteSecretSync({ secretSyncId, removeSecrets });
        if (!removeRun) return ctx.out.progress(`deleted sync ${secretSyncId}`);
        await finish(ctx, removeRun, options, true);
      }),
    );
  group
    .command("runs <sync>")
    .description("a sync's runs, newest first")
    .option("--action <action>", `only runs of one action: ${enumChoices(actionEnum).join(", ")}`)
    .option("--limit <n>", "at most this many runs (up to 500)", "20")
    .action(
      act(async (ctx, [ref], options) => {
        const secretSyncId = await syncIdOf(ctx, ref!);
        const action = options.action ? enumValue(actionEnum, options.action as string, "--action") : 0;
        const pageSize = Number(options.limit);
        const { runs } = await ctx.session.client(SecretSyncsService).listSyncRuns({ secretSyncId, action, pageSize });
        ctx.out.items(resources.syncRun, runs, runView);
      }),
    );
  group
    .command("watch <sync>")
    .description("print the sync each time its status changes (Ctrl-C ends; -o json: one object a line)")
    .action(
      act(async (ctx, [ref]) => {
        const secretSyncId = await syncIdOf(ctx, ref!);
        const stream = ctx.session.client(SecretSyncsService).watchSecretSync({ secretSyncId }, {});
        for await (const { secretSync } of stream) {
          if (!secretSync) continue;
          if (ctx.out.mode === "json") ctx.out.line(JSON.stringify(toJson(resources.secretSync, secretSync)));
          else if (ctx.out.mode !== "table") ctx.out.item(resources.secretSync, secretSync, syncView);
          else ctx.out.line(statusLine(toJson(resources.secretSync, secretSync) as JsonObject));
        }
      }),
    );
}
