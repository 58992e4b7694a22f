import type { Command } from "commander";
import type { CommandContext, Options } from "../command-context.ts";

/** Adds the options that say where secrets live: `--env` (required) and `--path` (default `/`). */
export function withLocation(command: Command): Command {
  return command.requiredOption("-e, --env <slug>", "environment").option("--path <path>", "folder path", "/");
}

/** The project, environment and folder a secrets command addresses. */
export async function locationOf(ctx: CommandContext, options: Options) {
  return { projectId: await ctx.projectId(), environment: options.env as string, path: options.path as string };
}
