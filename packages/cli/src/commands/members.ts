import type { Command } from "commander";
import { act } from "../command-context.ts";
import { enumChoices, enumValue } from "../json-input.ts";
import { column, type View } from "../output.ts";
import { allPages } from "../pages.ts";
import { resources } from "../resource-schemas.ts";
import { IdentityService } from "../service-registry.ts";

const roleEnum = IdentityService.method.setProjectMember.input.field.role!.enum!;
const view: View = {
  columns: [column("IDENTITY", "identityId"), column("ROLE", "role", "PROJECT_ROLE_"), column("PROJECT", "projectId")],
  id: (item) => String(item.identityId ?? ""),
};

/** `syncline members`: who holds which role in the project. */
export function registerMembers(program: Command): void {
  const group = program.command("members").description("project members and their roles");
  group
    .command("set <identity-id> <role>")
    .description(`give an identity a role in the project: ${enumChoices(roleEnum).join(", ")}`)
    .action(
      act(async (ctx, [identityId, role]) => {
        const request = {
          projectId: await ctx.projectId(),
          identityId: identityId!,
          role: enumValue(roleEnum, role!, "<role>"),
        };
        const { member } = await ctx.session.client(IdentityService).setProjectMember(request);
        ctx.out.item(resources.projectMember, member, view);
      }),
    );
  group
    .command("remove <identity-id>")
    .description("take an identity's role in the project away")
    .action(
      act(async (ctx, [identityId]) => {
        await ctx.session.client(IdentityService).removeProjectMember({ projectId: await ctx.projectId(), identityId });
        ctx.out.progress(`removed ${identityId} from the project`);
      }),
    );
  group
    .command("list")
    .description("list the project's members")
    .action(
      act(async (ctx) => {
        const projectId = await ctx.projectId();
        const client = ctx.session.client(IdentityService);
        const members = await allPages(async (pageToken) => {
          const page = await client.listProjectMembers({ projectId, pageSize: 1000, pageToken });
          return { items: page.members, nextPageToken: page.nextPageToken };
        });
        ctx.out.items(resources.projectMember, members, view);
      }),
    );
}
