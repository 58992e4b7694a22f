import { traced, type Database } from "@syncline/db";
import { findConnectionReach } from "../store/share-store.ts";

/**
 * The project a connection request addresses, for the access table: `asProject` when the
 * connection is shared with it (or is its own), else its owner (undefined: no such connection, or
 * an id that is not a UUID — authorisation runs before request validation).
 */
export function createConnectionProjects(deps: { readonly db: Database }) {
  return {
    async ofConnection(id: string, asProject?: string): Promise<string | undefined> {
      if (!isUuid(id) || (asProject !== undefined && !isUuid(asProject))) return undefined;
      const reach = await traced("app_connections.project_of", () => findConnectionReach(deps.db, id, asProject));
      if (reach === undefined) return undefined;
      if (asProject === undefined || asProject === reach.ownerProjectId) return reach.ownerProjectId;
      return reach.sharedWithProject ? asProject : undefined;
    },
  };
}

export type ConnectionProjects = ReturnType<typeof createConnectionProjects>;

const isUuid = (value: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
