import {
  destinationDescriptor,
  instanceFromColumn,
  locationArea,
  locationsOverlap,
  type ConnectionInstance,
} from "@syncline/connectors";
import { claimsOverlap } from "@syncline/connectors/sync";
import type { Database } from "@syncline/db";
import type { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { failedPrecondition } from "@syncline/errors";
import { findSyncsInArea, lockArea, type SyncRow } from "../store/sync-store.ts";

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
  const destination = claim.destination as Destination;
  const { limits } = destinationDescriptor(destination);
  const candidates = await findSyncsInArea(db, destination, locationArea(destination, claim.location));
  return candidates.filter(
    (sync) =>
      sync.id !== claim.excludeSyncId &&
      locationsOverlap(destination, claim.location, sync.destinationLocation) &&
      claimsOverlap(limits, claim, {
        instance: instanceFromColumn(sync.destinationInstance),
        keySchema: sync.keySchema,
        environment: sync.sourceEnvironment,
      }),
  );
}

/**
 * Serialises the overlap checks of every location a claim could overlap (its area) until the
 * transaction ends, so two concurrent creates cannot both pass.
 */
export async function lockClaimArea(db: Database, destination: number, location: string): Promise<void> {
  await lockArea(db, destination, locationArea(destination as Destination, location));
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
