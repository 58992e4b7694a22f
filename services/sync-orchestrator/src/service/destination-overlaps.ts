import { destinationDescriptor, instanceFromColumn, type ConnectionInstance } from "@syncline/connectors";
import { claimsOverlap } from "@syncline/connectors/sync";
import type { Database } from "@syncline/db";
import type { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { failedPrecondition } from "@syncline/errors";
import { findSyncsAtLocation, type SyncRow } from "../store/sync-store.ts";

/** A destination a sync would write to, with the keys it would own there. */
export interface DestinationClaim {
  readonly destination: number;
  /** The descriptor's `location` of the config (`destinationLocation`). */
  readonly location: string;
  /** The server the connection reaches; unknown matches every instance. */
  readonly instance: ConnectionInstance;
  readonly keySchema: string;
  /** Binds `{{environment}}`; undefined matches any environment. */
  readonly environment: string | undefined;
  /** The sync being edited, left out. */
  readonly excludeSyncId?: string;
}

/** Existing syncs (in any project) owning keys the claim would own too, by the destination's overlap rule. */
export async function findOverlappingSyncs(db: Database, claim: DestinationClaim): Promise<SyncRow[]> {
  if (claim.location === "") return [];
  const { limits } = destinationDescriptor(claim.destination as Destination);
  const candidates = await findSyncsAtLocation(db, claim.destination, claim.location);
  return candidates.filter(
    (sync) =>
      sync.id !== claim.excludeSyncId &&
      claimsOverlap(limits, claim, {
        instance: instanceFromColumn(sync.destinationInstance),
        keySchema: sync.keySchema,
        environment: sync.sourceEnvironment,
      }),
  );
}

/** Refuses a claim that overlaps an existing sync: FAILED_PRECONDITION naming destination_config. */
export async function assertNoOverlap(db: Database, claim: DestinationClaim): Promise<void> {
  const [first, ...others] = await findOverlappingSyncs(db, claim);
  if (!first) return;
  const more = others.length > 0 ? ` and ${others.length} more` : "";
  throw failedPrecondition(
    `the destination overlaps keys owned by sync "${first.name}" (${first.id}, project ${first.projectId})${more}; choose another destination or a key schema that sets the keys apart`,
    [{ field: "destination_config", description: `overlaps keys owned by sync ${first.id}` }],
  );
}
