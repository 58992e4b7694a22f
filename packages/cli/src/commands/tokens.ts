import type { Command } from "commander";
import { act } from "../command-context.ts";
import { durationSeconds } from "../json-input.ts";
import { column, type View } from "../output.ts";
import { allPages } from "../pages.ts";
import { resources } from "../resource-schemas.ts";
import { IdentityService } from "../service-registry.ts";

const view: View = {
  columns: [
    column("ID", "id"),
    column("NAME", "name"),
    column("PREFIX", "prefix"),
    column("EXPIRES", "expireTime"),
    column("REVOKED", "revokeTime"),
    column("LAST USED", "lastUseTime"),
  ],
};

/** `syncline tokens`: an identity's expiring, revocable tokens. */
export function registerTokens(program: Command): void {
  const group = program.command("tokens").description("tokens of an identity");
  group
    .command("create <identity-id> <name>")
    .description("issue a token; its value is shown once (--raw: the value alone, for capture)")
    .option("--ttl <duration>", "lifetime, e.g. 12h, 30d (at most 366d)", "30d")
    .option("--raw", "print only the token's value")
    .action(
      act(async (ctx, [identityId, name], options) => {
        const seconds = durationSeconds(options.ttl as string, "--ttl");
        const request = { identityId: identityId!, name: name!, ttl: { seconds: BigInt(seconds) } };
        const { token, value } = await ctx.session.client(IdentityService).createIdentityToken(request);
        if (options.raw) return ctx.out.line(value);
        ctx.out.item(resources.identityToken, token, view);
        if (ctx.out.mode === "table") ctx.out.progress(`token value (shown once): ${value}`);
        if (ctx.out.mode === "json" || ctx.out.mode === "yaml")
          ctx.out.progress("the value is printed only with --raw");
      }),
    );
  group
    .command("list <identity-id>")
    .description("list an identity's tokens (never their values)")
    .action(
      act(async (ctx, [identityId]) => {
        const client = ctx.session.client(IdentityService);
        const tokens = await allPages(async (pageToken) => {
          const page = await client.listIdentityTokens({ identityId, pageSize: 1000, pageToken });
          return { items: page.tokens, nextPageToken: page.nextPageToken };
        });
        ctx.out.items(resources.identityToken, tokens, view);
      }),
    );
  group
    .command("revoke <identity-id> <token-id>")
    .description("revoke a token at once")
    .action(
      act(async (ctx, [identityId, tokenId]) => {
        const { token } = await ctx.session.client(IdentityService).revokeIdentityToken({ identityId, tokenId });
        ctx.out.item(resources.identityToken, token, view);
      }),
    );
}
