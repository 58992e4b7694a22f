import { traced, type Database } from "@syncline/db";
import { invalidArgument, notFound } from "@syncline/errors";
import type { Logger } from "@syncline/telemetry";
import { lockConnectionOwner, replaceShares } from "../store/share-store.ts";
import { ConnectionChangeKind, recordConnectionChange } from "./connection-events.ts";
import type { ConnectionView } from "./connection-service.ts";

/** What sharing needs, narrowed to what it uses. */
export interface ConnectionSharingDeps {
  readonly db: Database;
  /** Sharing changes are logged by connection, projects and actor: the audit trail. */
  readonly logger: Pick<Logger, "info">;
  /** The connection as its owner sees it (answers the update). */
  readonly get: (id: string) => Promise<ConnectionView>;
  /** Called after a transaction that recorded an event committed (kicks the outbox relay). */
  readonly afterCommit?: () => void;
}

/**
 * Shared connections: an organisation admin names the projects (besides its owner) whose syncs may
 * use a connection. A project it is taken from receives an UNSHARED change event, on which the
 * orchestrator fails that project's syncs using it (the destination is left unchanged), so taking a
 * connection away takes effect without a sync ever pushing with credentials its project lost.
 */
export function createConnectionSharing(deps: ConnectionSharingDeps) {
  return {
    /** Makes `projectIds` the exact set of projects connection `id` is shared with. */
    async update(id: string, projectIds: readonly string[], actor: string): Promise<ConnectionView> {
      const removed = await traced("connection_shares.replace", () =>
        deps.db.transaction(async (tx) => {
          const owner = await lockConnectionOwner(tx, id);
          if (owner === undefined) throw notFound(`app connection ${id}`);
          const index = projectIds.indexOf(owner);
          if (index >= 0) {
            throw invalidArgument([
              {
                field: `shared_project_ids[${index}]`,
                description: "is the connection's own project; it needs no share",
              },
            ]);
          }
          const taken = await replaceShares(tx, id, projectIds);
          for (const projectId of taken) {
            await recordConnectionChange(tx, {
              projectId,
              connectionId: id,
              kind: ConnectionChangeKind.UNSHARED,
              fingerprint: "",
            });
          }
          return taken;
        }),
      );
      if (removed.length > 0) deps.afterCommit?.();
      deps.logger.info(
        { connectionId: id, sharedProjectIds: projectIds, unsharedProjectIds: removed, actor },
        "app connection sharing updated",
      );
      return deps.get(id);
    },
  };
}

export type ConnectionSharing = ReturnType<typeof createConnectionSharing>;
