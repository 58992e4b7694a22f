import { traced, type Database } from "@syncline/db";
import { findSyncProject } from "../store/sync-store.ts";
import { findEndpointProject } from "../store/webhook-endpoint-store.ts";

/**
 * The project a sync (or webhook endpoint) request addresses, for the access tables: the sync's project, undefined when
 * there is no such sync or the id is not a UUID (authorisation runs before request validation, so
 * an id reaches it unchecked; it must not reach the database as a malformed uuid).
 */
export function createSyncProjects(deps: { readonly db: Database }) {
  return {
    async ofSync(id: string): Promise<string | undefined> {
      if (!UUID.test(id)) return undefined;
      return traced("secret_syncs.project_of", () => findSyncProject(deps.db, id));
    },
    /** The project of a webhook endpoint, like `ofSync`. */
    async ofEndpoint(id: string): Promise<string | undefined> {
      if (!UUID.test(id)) return undefined;
      return traced("webhook_endpoints.project_of", () => findEndpointProject(deps.db, id));
    },
  };
}

export type SyncProjects = ReturnType<typeof createSyncProjects>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
