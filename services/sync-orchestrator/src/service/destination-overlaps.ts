import type { Database } from "@syncline/db";
import { failedPrecondition } from "@syncline/errors";
import { ownedKeys, ownedKeysOverlap, sameInstance } from "../domain/destination-overlap.ts";
import { findSyncsAtLocation, type SyncRow } from "../store/sync-store.ts";

/** A destination a sync would write to, with the keys it would own there. */
export interface DestinationClaim {
  readonly destination: number;
  readonly location: string;
  /** "" when unknown (matches every instance). */
  readonly instance: string;
  readonly keySchema: string;
  /** Binds `{{environment}}`; undefined matches any environment. */
  readonly environment: string | undefined;
  readonly caseInsensitiveKeys: boolean;
  /** The sync being edited, left out. */
  readonly excludeSyncId?: string;
}

/** Existing syncs (in any project) owning keys the claim would own too. */
export async function findOverlappingSyncs(db: Database, claim: DestinationClaim): Promise<SyncRow[]> {
  if (claim.location === "") return [];
  const wanted = ownedKeys(claim.keySchema, claim.environment, claim.caseInsensitiveKeys);
  const candidates = await findSyncsAtLocation(db, claim.destination, claim.location);
  return candidates.filter(
    (sync) =>
      sync.id !== claim.excludeSyncId &&
      sameInstance(sync.destinationInstance, claim.instance) &&
      ownedKeysOverlap(wanted, ownedKeys(sync.keySchema, sync.sourceEnvironment, claim.caseInsensitiveKeys)),
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
