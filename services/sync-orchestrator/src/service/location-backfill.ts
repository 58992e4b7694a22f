import { fromBinary } from "@bufbuild/protobuf";
import type { Database } from "@syncline/db";
import { DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { Logger } from "@syncline/telemetry";
import { destinationLocation } from "../domain/destination-overlap.ts";
import { findSyncsWithoutLocation, patchSync } from "../store/sync-store.ts";

/** Fills in the destination location of syncs created before it was kept, so the overlap check sees them. */
export async function backfillLocations(db: Database, logger: Logger): Promise<void> {
  let filled = 0;
  for (;;) {
    const rows = await findSyncsWithoutLocation(db);
    const fillable = rows.map((row) => ({ row, location: locationOf(row.destinationConfig) })).filter((r) => r.location !== "");
    for (const { row, location } of fillable) await patchSync(db, row.id, { destinationLocation: location });
    filled += fillable.length;
    if (fillable.length < rows.length || rows.length === 0 || fillable.length === 0) break;
  }
  if (filled > 0) logger.info({ filled }, "recorded the destination location of older syncs");
}

function locationOf(config: Buffer): string {
  try {
    return destinationLocation(fromBinary(DestinationConfigSchema, config));
  } catch {
    return "";
  }
}
