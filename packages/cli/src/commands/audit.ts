import type { Command } from "commander";
import { act } from "../command-context.ts";
import { column, type View } from "../output.ts";
import { resources } from "../resource-schemas.ts";
import { SecretsService } from "../service-registry.ts";

const view: View = {
  columns: [
    column("TIME", "time"),
    column("ACTION", "action"),
    column("ACTOR", "actorName"),
    column("TARGET", "target"),
    column("PROJECT", "projectId"),
  ],
};

/** `syncline audit`: every mutation of the source and of identities, newest first. */
export function registerAudit(program: Command): void {
  program
    .command("audit")
    .description("the audit log of secrets, folders, projects and identities, newest first (admins)")
    .option("--action <prefix>", "only actions starting with this, e.g. secret.")
    .option("--all-projects", "every project (organisation admins), not only --project")
    .option("--limit <n>", "at most this many events", "100")
    .action(
      act(async (ctx, _args, options) => {
        const projectId = options.allProjects ? "" : await ctx.projectId();
        const actionPrefix = (options.action as string | undefined) ?? "";
        const limit = Number(options.limit);
        const client = ctx.session.client(SecretsService);
        let pageToken = "";
        const events = [];
        do {
          const pageSize = Math.min(1000, limit - events.length);
          const page = await client.listAuditEvents({ projectId, actionPrefix, pageSize, pageToken });
          events.push(...page.events);
          pageToken = page.nextPageToken;
        } while (pageToken && events.length < limit);
        ctx.out.items(resources.auditEvent, events, view);
      }),
    );
}
