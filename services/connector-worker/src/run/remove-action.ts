import { ownedDestinationKeys } from "@syncline/connectors/sync";
import { leaseControl, recordedRevision } from "./apply-fence.ts";
import { openDestination } from "./destination-access.ts";
import { keySchemaOf } from "./push-plan.ts";
import type { RunAction } from "./run-action.ts";
import { readSource } from "./source-reader.ts";

/**
 * The remove action: deletes from the destination every key the sync owns — every destination key
 * its key schema matches, whether or not the source still has it (the same ownership a push uses
 * to delete). `disable_secret_deletion` does not apply: removal is an explicit request. Where the
 * destination cannot list its keys, the owned keys are the source's keys under the schema.
 */
export const removeAction: RunAction = async (context, sources) => {
  const { lease } = context;
  const access = await openDestination(context.sync, sources, context.signal, lease.grant);
  const schema = keySchemaOf(context.sync);
  const view = await access.read();
  let owned: string[];
  let sourceRevision = 0n;
  if (view.kind !== "blind")
    owned = ownedDestinationKeys(view, schema, access.descriptor.limits.upperCasesKeys ?? false);
  else {
    const source = await readSource(sources.snapshots, context.sync, lease.grant);
    const fold = access.descriptor.limits.upperCasesKeys ? (key: string) => key.toUpperCase() : (key: string) => key;
    owned = [...new Set([...source.secrets.keys()].map((key) => fold(schema.toDestination(key))))].sort();
    sourceRevision = await recordedRevision(lease, source.revision);
  }
  const outcome =
    owned.length > 0 ? await access.remove(owned, leaseControl(lease)) : { created: [], updated: [], deleted: [] };
  const blind = view.kind === "blind" ? " (this destination cannot list its keys: the source's keys were removed)" : "";
  return {
    message: `removed ${outcome.deleted.length} owned keys from the destination${blind}`,
    sourceRevision,
    created: 0,
    updated: 0,
    deleted: outcome.deleted.length,
  };
};
