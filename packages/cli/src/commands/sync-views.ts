import { CliError } from "../cli-error.ts";
import { type CommandContext, isId } from "../command-context.ts";
import { ExitCode } from "../exit-codes.ts";
import { column, type View } from "../output.ts";
import { SecretSyncsService } from "../service-registry.ts";

/** A sync in a table: what it is and how its last push went. */
export const syncView: View = {
  columns: [
    column("ID", "id"),
    column("NAME", "name"),
    column("DESTINATION", "destination", "DESTINATION_"),
    column("SOURCE", "source.environment"),
    column("PATH", "source.path"),
    column("STATE", "syncStatus.state", "SYNC_STATE_"),
    column("REVISION", "lastSyncedRevision"),
    column("MESSAGE", "syncStatus.message"),
  ],
};

/** A run in a table. */
export const runView: View = {
  columns: [
    column("ID", "id"),
    column("ACTION", "action", "SYNC_ACTION_"),
    column("TRIGGER", "trigger", "SYNC_TRIGGER_"),
    column("STATE", "state", "SYNC_STATE_"),
    column("REVISION", "sourceRevision"),
    column("CREATED", "keysCreated"),
    column("UPDATED", "keysUpdated"),
    column("DELETED", "keysDeleted"),
    column("QUEUED", "queueTime"),
    column("MESSAGE", "message"),
  ],
};

/** The id of the sync `ref` names: an id as it is, a name looked up in the project. */
export async function syncIdOf(ctx: CommandContext, ref: string): Promise<string> {
  if (isId(ref)) return ref;
  const projectId = await ctx.projectId();
  const { secretSync } = await ctx.session.client(SecretSyncsService).getSecretSyncByName({ projectId, name: ref });
  if (!secretSync) throw new CliError(`sync "${ref}" not found`, ExitCode.notFound);
  return secretSync.id;
}
