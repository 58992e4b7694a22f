import type { Command } from "commander";
import { act } from "../command-context.ts";
import { column, type View } from "../output.ts";
import { allPages } from "../pages.ts";
import { resources } from "../resource-schemas.ts";
import { IdentityService } from "../service-registry.ts";

/** An identity in a table. */
export const identityView: View = {
  columns: [
    column("ID", "id"),
    column("NAME", "name"),
    column("ORG ADMIN", "organizationAdmin"),
    column("VERSION", "version"),
    column("CREATED", "createTime"),
  ],
};

/** `syncline identities`: machines and people that hold tokens (organisation admins only). */
export function registerIdentities(program: Command): void {
  const group = program.command("identities").description("identities: who tokens stand for");
  group
    .command("create <name>")
    .description("create an identity")
    .option("--org-admin", "an organisation admin (every project)")
    .action(
      act(async (ctx, [name], options) => {
        const request = { name: name!, organizationAdmin: Boolean(options.orgAdmin) };
        const { identity } = await ctx.session.client(IdentityService).createIdentity(request);
        ctx.out.item(resources.identity, identity, identityView);
      }),
    );
  group
    .command("list")
    .description("list identities")
    .action(
      act(async (ctx) => {
        const client = ctx.session.client(IdentityService);
        const identities = await allPages(async (pageToken) => {
          const page = await client.listIdentities({ pageSize: 1000, pageToken });
          return { items: page.identities, nextPageToken: page.nextPageToken };
        });
        ctx.out.items(resources.identity, identities, identityView);
      }),
    );
  group
    .command("get <identity-id>")
    .description("show an identity")
    .action(
      act(async (ctx, [identityId]) => {
        const { identity } = await ctx.session.client(IdentityService).getIdentity({ identityId });
        ctx.out.item(resources.identity, identity, identityView);
      }),
    );
  group
    .command("update <identity-id>")
    .description("rename an identity or change whether it is an organisation admin")
    .option("--name <name>", "new name")
    .option("--org-admin", "make it an organisation admin")
    .option("--no-org-admin", "make it an ordinary identity")
    .action(
      act(async (ctx, [identityId], options) => {
        const request = {
          identityId: identityId!,
          ...(options.name === undefined ? {} : { name: options.name as string }),
          ...(options.orgAdmin === undefined ? {} : { organizationAdmin: Boolean(options.orgAdmin) }),
        };
        const { identity } = await ctx.session.client(IdentityService).updateIdentity(request);
        ctx.out.item(resources.identity, identity, identityView);
      }),
    );
  group
    .command("delete <identity-id>")
    .description("delete an identity and revoke its tokens")
    .action(
      act(async (ctx, [identityId]) => {
        await ctx.session.client(IdentityService).deleteIdentity({ identityId });
        ctx.out.progress(`deleted identity ${identityId}`);
      }),
    );
}
