import type { Command } from "commander";
import { act } from "../command-context.ts";
import { column, type View } from "../output.ts";
import { allPages } from "../pages.ts";
import { resources } from "../resource-schemas.ts";
import { SecretsService } from "../service-registry.ts";

const view: View = {
  columns: [
    column("ID", "id"),
    column("NAME", "name"),
    column("REVISION", "revision"),
    column("CREATED", "createTime"),
  ],
};

/** `syncline projects`: create, list, get, rename and delete projects. */
export function registerProjects(program: Command): void {
  const group = program.command("projects").description("projects: the top of the source tree");
  group
    .command("create <name>")
    .description("create a project")
    .action(
      act(async (ctx, [name]) => {
        const { project } = await ctx.session.client(SecretsService).createProject({ name: name! });
        ctx.out.item(resources.project, project, view);
      }),
    );
  group
    .command("list")
    .description("list the projects you can see")
    .action(
      act(async (ctx) => {
        const client = ctx.session.client(SecretsService);
        const projects = await allPages(async (pageToken) => {
          const page = await client.listProjects({ pageSize: 1000, pageToken });
          return { items: page.projects, nextPageToken: page.nextPageToken };
        });
        ctx.out.items(resources.project, projects, view);
      }),
    );
  group
    .command("get [project]")
    .description("show a project (by id or name; default --project)")
    .action(
      act(async (ctx, [ref]) => {
        const projectId = await ctx.projectId(ref);
        const { project } = await ctx.session.client(SecretsService).getProject({ projectId });
        ctx.out.item(resources.project, project, view);
      }),
    );
  group
    .command("rename <project> <name>")
    .description("rename a project")
    .action(
      act(async (ctx, [ref, name]) => {
        const projectId = await ctx.projectId(ref);
        const { project } = await ctx.session.client(SecretsService).updateProject({ projectId, name: name! });
        ctx.out.item(resources.project, project, view);
      }),
    );
  group
    .command("delete <project>")
    .description("delete a project with its environments, folders and secrets (syncs from it fail, untouched)")
    .action(
      act(async (ctx, [ref]) => {
        const projectId = await ctx.projectId(ref);
        await ctx.session.client(SecretsService).deleteProject({ projectId });
        ctx.out.progress(`deleted project ${projectId}`);
      }),
    );
}
