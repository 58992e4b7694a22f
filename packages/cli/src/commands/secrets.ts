import { readFileSync } from "node:fs";
import { toJson } from "@bufbuild/protobuf";
import type { Command } from "commander";
import { CliError } from "../cli-error.ts";
import { act } from "../command-context.ts";
import { ExitCode } from "../exit-codes.ts";
import { keyValues, wholeNumber } from "../json-input.ts";
import { column, type View } from "../output.ts";
import { allPages } from "../pages.ts";
import { resources } from "../resource-schemas.ts";
import { SecretsService } from "../service-registry.ts";
import { CallFailure } from "../call-failure.ts";
import { locationOf, withLocation } from "./secret-location.ts";

const view = (values: boolean): View => ({
  columns: [
    column("KEY", "key"),
    ...(values ? [column("VALUE", "value")] : []),
    column("VERSION", "version"),
    column("UPDATED", "updateTime"),
    column("COMMENT", "comment"),
  ],
});

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** The value argument, or stdin when it is left out (so values stay out of shell history). */
function valueArgument(value: string | undefined): string {
  if (value !== undefined) return value;
  if (process.stdin.isTTY) {
    throw new CliError(
      "no value given",
      ExitCode.usage,
      'pass it as an argument or pipe it: `printf %s "$V" | syncline secrets set KEY`',
    );
  }
  return readFileSync(0, "utf8");
}

/** `syncline secrets`: set, get, list, delete and validate secrets (versions and files: own files). */
export function registerSecrets(program: Command): Command {
  const group = program.command("secrets").description("secrets of a folder: KEY = value, versioned");
  withLocation(group.command("set <key> [value]"))
    .description("create or update a secret (the value from stdin when left out)")
    .option("--comment <text>", "a comment (stored in clear: never secret material)")
    .option("--tag <key=value>", "a metadata tag (repeatable; replaces the secret's tags)", collect)
    .option("--expected-version <n>", "update only if the secret is at this version (else ABORTED)")
    .action(
      act(async (ctx, [key, value], options) => {
        const location = await locationOf(ctx, options);
        const client = ctx.session.client(SecretsService);
        const tags = options.tag ? keyValues(options.tag as string[], "--tag") : undefined;
        const comment = options.comment as string | undefined;
        const expected = options.expectedVersion as string | undefined;
        const text = valueArgument(value);
        const update = {
          ...location,
          key: key!,
          value: text,
          ...(comment === undefined ? {} : { comment }),
          ...(tags ? { metadata: { entries: tags } } : {}),
          ...(expected === undefined ? {} : { expectedVersion: wholeNumber(expected, "--expected-version") }),
        };
        let secret: Awaited<ReturnType<typeof client.createSecret>>["secret"];
        try {
          ({ secret } = await client.updateSecret(update));
        } catch (error) {
          if (!(error instanceof CallFailure && error.error.kind === "not_found") || expected !== undefined)
            throw error;
          const create = { ...location, key: key!, value: text, comment: comment ?? "", metadata: tags ?? {} };
          ({ secret } = await client.createSecret(create));
        }
        ctx.out.item(resources.secret, secret, view(false));
      }),
    );
  withLocation(group.command("create <key> [value]"))
    .description("create a secret; ALREADY_EXISTS when the key is taken (the value from stdin when left out)")
    .option("--comment <text>", "a comment (stored in clear)")
    .option("--tag <key=value>", "a metadata tag (repeatable)", collect)
    .action(
      act(async (ctx, [key, value], options) => {
        const request = {
          ...(await locationOf(ctx, options)),
          key: key!,
          value: valueArgument(value),
          comment: (options.comment as string | undefined) ?? "",
          metadata: keyValues(options.tag as string[] | undefined, "--tag"),
        };
        const { secret } = await ctx.session.client(SecretsService).createSecret(request);
        ctx.out.item(resources.secret, secret, view(false));
      }),
    );
  withLocation(group.command("get <key>"))
    .description("show a secret with its value (--raw: the value alone)")
    .option("--version <n>", "an older version")
    .option("--raw", "print only the value, as stored")
    .action(
      act(async (ctx, [key], options) => {
        const location = { ...(await locationOf(ctx, options)), key: key! };
        const client = ctx.session.client(SecretsService);
        if (options.version !== undefined) {
          const { version } = await client.getSecretVersion({
            ...location,
            version: wholeNumber(options.version as string, "--version"),
          });
          if (options.raw) return void process.stdout.write(version?.value ?? "");
          const v: View = {
            columns: [column("VERSION", "version"), column("VALUE", "value"), column("ACTOR", "actor")],
          };
          return ctx.out.item(resources.secretVersion, version, { ...v, id: (item) => String(item.secretId) });
        }
        const { secret } = await client.getSecret(location);
        if (options.raw) return void process.stdout.write(secret?.value ?? "");
        ctx.out.item(resources.secret, secret, view(true));
      }),
    );
  withLocation(group.command("list"))
    .description("list a folder's secrets (names only unless --values)")
    .option("--values", "include the values")
    .action(
      act(async (ctx, _args, options) => {
        const location = await locationOf(ctx, options);
        const client = ctx.session.client(SecretsService);
        const includeValues = Boolean(options.values);
        const secrets = await allPages(async (pageToken) => {
          const page = await client.listSecrets({ ...location, includeValues, pageSize: 1000, pageToken });
          return { items: page.secrets, nextPageToken: page.nextPageToken };
        });
        ctx.out.items(resources.secret, secrets, view(includeValues));
      }),
    );
  withLocation(group.command("delete <key>"))
    .description("delete a secret and its versions")
    .option("--expected-version <n>", "delete only if the secret is at this version (else ABORTED)")
    .action(
      act(async (ctx, [key], options) => {
        const expected = options.expectedVersion as string | undefined;
        const request = {
          ...(await locationOf(ctx, options)),
          key: key!,
          ...(expected === undefined ? {} : { expectedVersion: wholeNumber(expected, "--expected-version") }),
        };
        const { revision } = await ctx.session.client(SecretsService).deleteSecret(request);
        ctx.out.progress(`deleted ${key} (revision ${revision})`);
      }),
    );
  withLocation(group.command("validate <key> <value>"))
    .description("check a value's references (${KEY}, ${env.KEY}) without saving it")
    .action(
      act(async (ctx, [key, value], options) => {
        const request = { ...(await locationOf(ctx, options)), key: key!, value: value! };
        const response = await ctx.session.client(SecretsService).validateSecretValue(request);
        ctx.out.value(toJson(SecretsService.method.validateSecretValue.output, response));
      }),
    );
  return group;
}
