import type { Command } from "commander";
import { act } from "../command-context.ts";
import { column, type JsonObject, type View } from "../output.ts";
import { IdentityService } from "../service-registry.ts";

const view: View = {
  columns: [
    column("ID", "identity.id"),
    column("NAME", "identity.name"),
    column("ORG ADMIN", "identity.organizationAdmin"),
    column("TOKEN", "tokenId"),
    {
      header: "PROJECT ROLES",
      value: (item) =>
        ((item.memberships as JsonObject[] | undefined) ?? []).map(
          (m) => `${m.projectId}:${String(m.role).replace("PROJECT_ROLE_", "").toLowerCase()}`,
        ),
    },
  ],
  id: (item) => String((item.identity as JsonObject | undefined)?.id ?? ""),
};

/** `syncline whoami`: the identity the token stands for, the token's id and its project roles. */
export function registerWhoami(program: Command): void {
  program
    .command("whoami")
    .description("the identity your token stands for, and its project roles")
    .action(
      act(async (ctx) => {
        const response = await ctx.session.client(IdentityService).getCallerIdentity({});
        ctx.out.item(IdentityService.method.getCallerIdentity.output, response, view);
      }),
    );
}
