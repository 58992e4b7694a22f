import { writeFileSync } from "node:fs";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { act } from "../command-context.ts";
import { formatDotenv, parseDotenv } from "../dotenv-file.ts";
import { ExitCode } from "../exit-codes.ts";
import { argumentText } from "../json-input.ts";
import { column } from "../output.ts";
import { allPages } from "../pages.ts";
import { resources } from "../resource-schemas.ts";
import { SecretsService } from "../service-registry.ts";
import { locationOf, withLocation } from "./secret-location.ts";

/** Upsert, as the secrets service's bulk-write enum names it. */
const UPSERT = SecretsService.method.bulkWriteSecrets.input.field.writes!.message!.field.operation!.enum!.values.find(
  (v) => v.localName === "UPSERT",
)!.number;

/** `syncline secrets import|export`: dotenv files in and out of a folder. */
export function registerSecretFiles(group: Command): void {
  withLocation(group.command("import <file>"))
    .description("create or update a folder's secrets from a dotenv file (- for stdin), all or nothing")
    .action(
      act(async (ctx, [file], options) => {
        const location = await locationOf(ctx, options);
        const text = argumentText(file === "-" ? "-" : `@${file}`, "<file>");
        const entries = Object.entries(parseDotenv(text));
        if (entries.length === 0) throw new CliError(`${file} holds no KEY=value lines`, ExitCode.usage);
        const writes = entries.map(([key, value]) => ({
          operation: UPSERT,
          environment: location.environment,
          path: location.path,
          key,
          value,
        }));
        const response = await ctx.session
          .client(SecretsService)
          .bulkWriteSecrets({ projectId: location.projectId, writes });
        ctx.out.progress(
          `imported ${writes.length} secrets into ${location.environment}:${location.path} (revision ${response.revision})`,
        );
        const view = { columns: [column("KEY", "key"), column("VERSION", "version"), column("UPDATED", "updateTime")] };
        ctx.out.items(resources.secret, response.secrets, view);
      }),
    );
  withLocation(group.command("export"))
    .description("write a folder's secrets as a dotenv file (stdout unless --file)")
    .option("--file <path>", "write to this file (created readable by you only)")
    .action(
      act(async (ctx, _args, options) => {
        const location = await locationOf(ctx, options);
        const client = ctx.session.client(SecretsService);
        const secrets = await allPages(async (pageToken) => {
          const page = await client.listSecrets({ ...location, includeValues: true, pageSize: 1000, pageToken });
          return { items: page.secrets, nextPageToken: page.nextPageToken };
        });
        const text = formatDotenv(secrets);
        if (options.file) writeFileSync(options.file as string, text, { mode: 0o600 });
        else process.stdout.write(text);
      }),
    );
}
