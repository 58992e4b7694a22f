import type { Command } from "commander";
import { act } from "../command-context.ts";
import { column, type View } from "../output.ts";
import { allPages } from "../pages.ts";
import { resources } from "../resource-schemas.ts";
import { SecretsService } from "../service-registry.ts";

const view: View = {
  columns: [column("SLUG", "slug"), column("NAME", "name"), column("ID", "id"), column("CREATED", "createTime")],
  id: (item) => String(item.slug ?? ""),
};

/** `syncline envs`: environments of a project (`dev`, `prod`, …), addressed by slug. */
export function registerEnvs(program: Command): void {
  const group = program.command("envs").description("environments of the project (by slug)");
  group
    .command("create <slug>")
    .description("create an environment")
    .option("--name <name>", "display name (the slug never changes)")
    .action(
      act(async (ctx, [slug], options) => {
        const projectId = await ctx.projectId();
        const request = { projectId, slug: slug!, name: (options.name as string | undefined) ?? "" };
        const { environment } = await ctx.session.client(SecretsService).createEnvironment(request);
        ctx.out.item(resources.environment, environment, view);
      }),
    );
  group
    .command("list")
    .description("list the project's environments")
    .action(
      act(async (ctx) => {
        const projectId = await ctx.projectId();
        const client = ctx.session.client(SecretsService);
        const environments = await allPages(async (pageToken) => {
          const page = await client.listEnvironments({ projectId, pageSize: 1000, pageToken });
          return { items: page.environments, nextPageToken: page.nextPageToken };
        });
        ctx.out.items(resources.environment, environments, view);
      }),
    );
  group
    .command("rename <slug> <name>")
    .description("change an environment's display name")
    .action(
      act(async (ctx, [slug, name]) => {
        const projectId = await ctx.projectId();
        const request = { projectId, environment: slug!, name: name! };
        const { environment } = await ctx.session.client(SecretsService).updateEnvironment(request);
        ctx.out.item(resources.environment, environment, view);
      }),
    );
  group
    .command("delete <slug>")
    .description("delete an environment with its folders and secrets")
    .action(
      act(async (ctx, [slug]) => {
        const projectId = await ctx.projectId();
        await ctx.session.client(SecretsService).deleteEnvironment({ projectId, environment: slug! });
        ctx.out.progress(`deleted environment ${slug}`);
      }),
    );
}
