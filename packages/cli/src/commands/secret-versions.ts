import type { Command } from "commander";
import { act } from "../command-context.ts";
import { wholeNumber } from "../json-input.ts";
import { column, type View } from "../output.ts";
import { allPages } from "../pages.ts";
import { resources } from "../resource-schemas.ts";
import { SecretsService } from "../service-registry.ts";
import { locationOf, withLocation } from "./secret-location.ts";

const versionView = (values: boolean): View => ({
  columns: [
    column("VERSION", "version"),
    ...(values ? [column("VALUE", "value")] : []),
    column("ACTOR", "actor"),
    column("CREATED", "createTime"),
    column("COMMENT", "comment"),
  ],
  id: (item) => String(item.version ?? ""),
});

/** `syncline secrets versions|rollback`: a secret's history, and writing an old version anew. */
export function registerSecretVersions(group: Command): void {
  withLocation(group.command("versions <key>"))
    .description("list a secret's versions, newest first")
    .option("--values", "include the values")
    .action(
      act(async (ctx, [key], options) => {
        const location = { ...(await locationOf(ctx, options)), key: key! };
        const client = ctx.session.client(SecretsService);
        const includeValues = Boolean(options.values);
        const versions = await allPages(async (pageToken) => {
          const page = await client.listSecretVersions({ ...location, includeValues, pageSize: 500, pageToken });
          return { items: page.versions, nextPageToken: page.nextPageToken };
        });
        ctx.out.items(resources.secretVersion, versions, versionView(includeValues));
      }),
    );
  withLocation(group.command("rollback <key> <version>"))
    .description("write an old version's content as a new version")
    .option("--expected-version <n>", "only if the secret is at this version (else ABORTED)")
    .action(
      act(async (ctx, [key, version], options) => {
        const expected = options.expectedVersion as string | undefined;
        const request = {
          ...(await locationOf(ctx, options)),
          key: key!,
          version: wholeNumber(version!, "<version>"),
          ...(expected === undefined ? {} : { expectedVersion: wholeNumber(expected, "--expected-version") }),
        };
        const { secret } = await ctx.session.client(SecretsService).rollbackSecret(request);
        const view: View = {
          columns: [column("KEY", "key"), column("VERSION", "version"), column("UPDATED", "updateTime")],
        };
        ctx.out.item(resources.secret, secret, view);
      }),
    );
}
