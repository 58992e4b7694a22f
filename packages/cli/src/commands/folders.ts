import type { Command } from "commander";
import { act } from "../command-context.ts";
import { column, type View } from "../output.ts";
import { allPages } from "../pages.ts";
import { resources } from "../resource-schemas.ts";
import { SecretsService } from "../service-registry.ts";

const view: View = {
  columns: [column("PATH", "path"), column("ENV", "environment"), column("ID", "id"), column("CREATED", "createTime")],
};

/** `syncline folders`: folder paths of an environment (`/`, `/api`, `/api/db`). */
export function registerFolders(program: Command): void {
  const group = program.command("folders").description("folders of an environment (paths such as /api)");
  group
    .command("create <path>")
    .description("create a folder (and its missing parents)")
    .requiredOption("-e, --env <slug>", "environment")
    .action(
      act(async (ctx, [path], options) => {
        const request = { projectId: await ctx.projectId(), environment: options.env as string, path: path! };
        const { folder } = await ctx.session.client(SecretsService).createFolder(request);
        ctx.out.item(resources.folder, folder, view);
      }),
    );
  group
    .command("list")
    .description("list an environment's folders")
    .requiredOption("-e, --env <slug>", "environment")
    .action(
      act(async (ctx, _args, options) => {
        const projectId = await ctx.projectId();
        const client = ctx.session.client(SecretsService);
        const folders = await allPages(async (pageToken) => {
          const request = { projectId, environment: options.env as string, pageSize: 1000, pageToken };
          const page = await client.listFolders(request);
          return { items: page.folders, nextPageToken: page.nextPageToken };
        });
        ctx.out.items(resources.folder, folders, view);
      }),
    );
  group
    .command("move <path> <new-path>")
    .description("rename or move a folder with its subtree and secrets")
    .requiredOption("-e, --env <slug>", "environment")
    .action(
      act(async (ctx, [path, newPath], options) => {
        const request = { projectId: await ctx.projectId(), environment: options.env as string, path, newPath };
        const { folder } = await ctx.session.client(SecretsService).moveFolder(request);
        ctx.out.item(resources.folder, folder, view);
      }),
    );
  group
    .command("delete <path>")
    .description("delete a folder (a non-empty one only with --recursive)")
    .requiredOption("-e, --env <slug>", "environment")
    .option("-r, --recursive", "delete its subfolders and secrets too")
    .action(
      act(async (ctx, [path], options) => {
        const projectId = await ctx.projectId();
        const recursive = Boolean(options.recursive);
        const request = { projectId, environment: options.env as string, path: path!, recursive };
        const { revision } = await ctx.session.client(SecretsService).deleteFolder(request);
        ctx.out.progress(`deleted folder ${path} (revision ${revision})`);
      }),
    );
}
