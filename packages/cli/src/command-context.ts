import type { Command } from "commander";
import { CliError } from "./cli-error.ts";
import { ExitCode } from "./exit-codes.ts";
import { createOutput, type Output } from "./output.ts";
import { allPages } from "./pages.ts";
import { SecretsService } from "./service-registry.ts";
import type { Session } from "./session.ts";
import { clientTls, type GlobalFlags, resolveSettings, type Settings } from "./settings.ts";

/** What every command handler is given. */
export interface CommandContext {
  readonly settings: Settings;
  readonly session: Session;
  readonly out: Output;
  /**
   * The id of the project `ref` names (an id, or a name looked up), else of the project the command
   * addresses (`--project`, SYNCLINE_PROJECT or the profile).
   */
  projectId(ref?: string): Promise<string>;
}

/** Option values of a command (commander's camelCase keys). */
export type Options = Record<string, unknown>;

/** A command handler: its context, its positional arguments and its options. */
export type Handler = (ctx: CommandContext, args: string[], options: Options) => Promise<void>;

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `ref` is an id rather than a name. */
export function isId(ref: string): boolean {
  return uuid.test(ref);
}

/** A commander action running `handler` with a context made from the global flags; clients closed after. */
export function act(handler: Handler): (...params: unknown[]) => Promise<void> {
  return async (...params: unknown[]) => {
    const command = params[params.length - 1] as Command;
    const options = params[params.length - 2] as Options;
    const args = params.slice(0, -2).flatMap((a) => (Array.isArray(a) ? a : a === undefined ? [] : [String(a)]));
    const settings = resolveSettings(command.optsWithGlobals() as GlobalFlags);
    // The gRPC stack loads only when a command calls the API (help, profiles and completion stay quick).
    const { createSession } = await import("./session.ts");
    const session = createSession(settings, await clientTls(settings));
    let projectId: Promise<string> | undefined;
    const ctx: CommandContext = {
      settings,
      session,
      out: createOutput(settings.output),
      projectId: (ref?: string) => {
        if (ref) return resolveProject(session, ref);
        projectId ??= resolveProject(session, settings.project);
        return projectId;
      },
    };
    try {
      await handler(ctx, args, options);
    } finally {
      session.close();
    }
  };
}

/** The id of the project `ref` names (an id as it is, a name looked up). */
async function resolveProject(session: Session, ref: string | undefined): Promise<string> {
  if (!ref) {
    throw new CliError(
      "no project given",
      ExitCode.usage,
      "pass --project <id|name>, set SYNCLINE_PROJECT, or save one with `syncline profile set --project <id>`",
    );
  }
  if (isId(ref)) return ref;
  const client = session.client(SecretsService);
  const projects = await allPages(async (pageToken) => {
    const page = await client.listProjects({ pageSize: 1000, pageToken });
    return { items: page.projects, nextPageToken: page.nextPageToken };
  });
  const found = projects.find((p) => p.name === ref);
  if (!found)
    throw new CliError(`project "${ref}" not found`, ExitCode.notFound, "list them with `syncline projects list`");
  return found.id;
}
