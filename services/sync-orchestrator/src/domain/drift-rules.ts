import type { Duration } from "@bufbuild/protobuf/wkt";

/** Bounds of `drift_check_interval`: checks cost a destination read each, so not more often than a minute. */
export const DRIFT_INTERVAL_MIN_MS = 60_000;
export const DRIFT_INTERVAL_MAX_MS = 7 * 24 * 3600_000;

/** A protobuf Duration in whole milliseconds (negative stays negative, so it is refused). */
export function durationMs(duration: Duration): number {
  return Number(duration.seconds) * 1000 + Math.trunc(duration.nanos / 1_000_000);
}

/**
 * The problem with a requested drift check interval, or undefined. `allowZero` is for updates,
 * where zero turns drift checks off.
 */
export function checkDriftInterval(ms: number, options: { allowZero: boolean }): string | undefined {
  if (ms === 0 && options.allowZero) return undefined;
  const off = options.allowZero ? " (or 0s to turn drift checks off)" : "";
  if (ms < DRIFT_INTERVAL_MIN_MS) return `must be at least 1 minute${off}`;
  if (ms > DRIFT_INTERVAL_MAX_MS) return "must be at most 7 days";
  return undefined;
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
