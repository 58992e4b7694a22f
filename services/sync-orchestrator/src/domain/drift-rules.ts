import type { Duration } from "@bufbuild/protobuf/wkt";

/** A protobuf Duration in whole milliseconds. Its bounds (1 minute to 7 days) are rules of the protos. */
export function durationMs(duration: Duration): number {
  return Number(duration.seconds) * 1000 + Math.trunc(duration.nanos / 1_000_000);
}

/** Names of drifted keys by kind, as a worker reports them. */
export interface DriftKeyNames {
  readonly changed: readonly string[];
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** A drift report as stored on the sync (names only, bounded by the worker). */
export interface StoredDriftReport {
  readonly changed: string[];
  readonly added: string[];
  readonly removed: string[];
  /** ISO time of the check. */
  readonly checkTime: string;
  readonly repaired: boolean;
}

/** The drift a worker reported for one check, as the sync keeps it (names only, bounded). */
export function driftReportOf(keys: DriftKeyNames, checkTime: Date, repaired: boolean): StoredDriftReport {
  const bounded = (names: readonly string[]) => names.slice(0, 100).map((name) => name.slice(0, 255));
  return {
    changed: bounded(keys.changed),
    added: bounded(keys.added),
    removed: bounded(keys.removed),
    checkTime: checkTime.toISOString(),
    repaired,
  };
}

/** How many keys a report names (the `syncline_sync_drift_keys` gauge). */
export function driftKeyCount(report: StoredDriftReport): number {
  return report.changed.length + report.added.length + report.removed.length;
}
