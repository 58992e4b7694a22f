import type { DestinationDiff } from "@syncline/connectors";
import { SyncTrigger, type SecretSync } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { listNames } from "./name-list.ts";

/** Keys found edited out of band at the destination, by destination key name (never values). */
export interface DriftKeys {
  /** Owned keys whose value differs from the source. */
  readonly changed: readonly string[];
  /** Owned keys present at the destination but not in the source. */
  readonly added: readonly string[];
  /** Source keys missing at the destination. */
  readonly removed: readonly string[];
}

/**
 * What a run means for drift: `push` for an ordinary run (or a drift check of an automatic sync
 * whose source changed since its last sync — a normal change, pushed as usual); `drift` for a drift
 * check of a source unchanged since the last sync, where every difference was made at the
 * destination — repaired (pushed) only for an automatic sync; `skip` for a drift check of a manual
 * sync whose source changed, which must not push without a person asking.
 */
export type DriftVerdict =
  | { readonly kind: "push" }
  | { readonly kind: "drift"; readonly keys: DriftKeys; readonly repair: boolean }
  | { readonly kind: "skip"; readonly message: string };

const MAX_NAMES = 100;

/** Judges a run's diff as drift or not (see `DriftVerdict`); `revision` is the source revision read. */
export function judgeDrift(
  trigger: SyncTrigger,
  sync: SecretSync,
  revision: bigint,
  diff: DestinationDiff,
): DriftVerdict {
  if (trigger !== SyncTrigger.DRIFT_CHECK) return { kind: "push" };
  const autoSync = sync.options?.autoSync ?? false;
  if (sync.lastSyncedRevision === 0n || revision !== sync.lastSyncedRevision) {
    if (autoSync) return { kind: "push" };
    const message =
      `drift not checked: the source is at revision ${revision}, last synced ${sync.lastSyncedRevision}; ` +
      "trigger the sync to push it";
    return { kind: "skip", message };
  }
  const names = (keys: Iterable<string>) => [...keys].sort().slice(0, MAX_NAMES);
  const keys = { changed: names(diff.update.keys()), added: names(diff.delete), removed: names(diff.create.keys()) };
  return { kind: "drift", keys, repair: autoSync };
}

/** The run message of a drift check, naming at most a few keys per kind. */
export function driftMessage(revision: bigint, keys: DriftKeys, repaired: boolean): string {
  const parts = [
    keys.changed.length > 0 ? `changed ${listNames(keys.changed)}` : "",
    keys.added.length > 0 ? `added ${listNames(keys.added)}` : "",
    keys.removed.length > 0 ? `removed ${listNames(keys.removed)}` : "",
  ].filter(Boolean);
  if (parts.length === 0) return `no drift: the destination equals source revision ${revision}`;
  const outcome = repaired
    ? "repaired (source written back)"
    : "reported only (auto-sync is off; trigger the sync to overwrite it)";
  return `drift at the destination since revision ${revision}: ${parts.join("; ")}; ${outcome}`;
}
