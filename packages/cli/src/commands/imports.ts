import type { Command } from "commander";
import { act } from "../command-context.ts";
import { column, type View } from "../output.ts";
import { allPages } from "../pages.ts";
import { resources } from "../resource-schemas.ts";
import { SecretsService } from "../service-registry.ts";

const view: View = {
  columns: [
    column("ID", "id"),
    column("ENV", "environment"),
    column("PATH", "path"),
    column("IMPORTS ENV", "importEnvironment"),
    column("IMPORTS PATH", "importPath"),
    column("POSITION", "position"),
  ],
};

/** `syncline imports`: folders that import the secrets of other folders (own keys win). */
export function registerImports(program: Command): void {
  const group = program.command("imports").description("folder imports: a folder reading another folder's secrets");
  group
    .command("create")
    .description("make a folder import another folder of the project")
    .requiredOption("-e, --env <slug>", "environment of the importing folder")
    .option("--path <path>", "the importing folder", "/")
    .requiredOption("--from-env <slug>", "environment of the imported folder")
    .option("--from-path <path>", "the imported folder", "/")
    .option("--position <n>", "position among the folder's imports (0 appends)", "0")
    .action(
      act(async (ctx, _args, options) => {
        const request = {
          projectId: await ctx.projectId(),
          environment: options.env as string,
          path: options.path as string,
          importEnvironment: options.fromEnv as string,
          importPath: options.fromPath as string,
          position: Number(options.position),
        };
        const { secretImport } = await ctx.session.client(SecretsService).createSecretImport(request);
        ctx.out.item(resources.secretImport, secretImport, view);
      }),
    );
  group
    .command("list")
    .description("list a folder's imports, in order")
    .requiredOption("-e, --env <slug>", "environment")
    .option("--path <path>", "folder", "/")
    .action(
      act(async (ctx, _args, options) => {
        const projectId = await ctx.projectId();
        const client = ctx.session.client(SecretsService);
        const imports = await allPages(async (pageToken) => {
          const request = { projectId, environment: options.env as string, path: options.path as string, pageToken };
          const page = await client.listSecretImports({ ...request, pageSize: 1000 });
          return { items: page.secretImports, nextPageToken: page.nextPageToken };
        });
        ctx.out.items(resources.secretImport, imports, view);
      }),
    );
  group
    .command("delete <import-id>")
    .description("remove an import")
    .action(
      act(async (ctx, [secretImportId]) => {
        const projectId = await ctx.projectId();
        await ctx.session.client(SecretsService).deleteSecretImport({ projectId, secretImportId: secretImportId! });
        ctx.out.progress(`deleted import ${secretImportId}`);
      }),
    );
}
