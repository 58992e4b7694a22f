import { setTimeout as sleep } from "node:timers/promises";
import type { FakeLoggedWrite } from "../fakes/write-log.ts";
import { soakSequence, type SoakFixture } from "./soak-fixture.ts";
import type { SoakSystem } from "./soak-system.ts";

/**
 * One committed version of a source key. Its `version` is the source's commit order; the soak's
 * sequence number in the value is only the order the writer chose, which a late commit can break.
 */
export interface SourceVersion {
  readonly folder: string;
  readonly key: string;
  readonly version: number;
  readonly value: string;
}

/** A write that landed a value the SOURCE committed before one the same destination key already received. */
export interface StaleWrite {
  readonly destination: string;
  readonly key: string;
  /** Soak sequence numbers of the stale value and of the newer one (for the report). */
  readonly seq: number;
  readonly newerSeq: number;
  /** Source versions of the stale value and of the newer one. */
  readonly version: number;
  readonly newerVersion: number;
  readonly at: number;
}

/** The destination writes judged against the source's commit order. */
export interface OrderCheck {
  readonly stale: readonly StaleWrite[];
  /** `destination:KEY` of writes whose value is in no version of the destination's source key (names only). */
  readonly unknown: readonly string[];
}

/**
 * Every version of every soak key, read from the source (ListSecretVersions with values, all
 * pages) once the run is over; retried while the services recover.
 */
export async function readSourceHistory(system: SoakSystem, fixture: SoakFixture): Promise<SourceVersion[]> {
  const history: SourceVersion[] = [];
  for (const sync of fixture.syncs) {
    for (const key of sync.keys) {
      const where = { projectId: fixture.projectId, environment: fixture.environment, path: sync.target.folder, key };
      let pageToken = "";
      do {
        const page = await retried(() =>
          system.secrets.listSecretVersions({ ...where, includeValues: true, pageSize: 500, pageToken }),
        );
        for (const v of page.versions)
          history.push({ folder: sync.target.folder, key, version: Number(v.version), value: v.value });
        pageToken = page.nextPageToken;
      } while (pageToken !== "");
    }
  }
  return history;
}

async function retried<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= 30) throw error;
      await sleep(1000);
    }
  }
}

/**
 * Source keys whose commit order went back in sequence numbers, as `folder:KEY seq S after N`: a
 * timed-out UpdateSecret that the service still committed after the writer's retry. Not a failure
 * of the engine: the source is the truth, and its destinations must follow it.
 */
export function sourceRegressions(history: readonly SourceVersion[]): string[] {
  const byKey = new Map<string, SourceVersion[]>();
  for (const v of history) byKey.set(`${v.folder}:${v.key}`, [...(byKey.get(`${v.folder}:${v.key}`) ?? []), v]);
  const regressions: string[] = [];
  for (const [id, versions] of byKey) {
    let highest = -1;
    for (const v of [...versions].sort((a, b) => a.version - b.version)) {
      const seq = soakSequence(v.value) ?? -1;
      if (seq < highest) regressions.push(`${id} seq ${seq} after ${highest}`);
      highest = Math.max(highest, seq);
    }
  }
  return regressions;
}

/**
 * Judges the fakes' write logs by the source's commit order: a write is stale when its value's
 * source version is older than one the same destination key already received. Values are unique
 * (`<key>-<seq>-<random>`), so each identifies its folder, key and version; a destination's folder
 * is the one all its values come from.
 */
export function staleOverNew(log: readonly FakeLoggedWrite[], history: readonly SourceVersion[]): OrderCheck {
  const byValue = new Map<string, SourceVersion[]>();
  for (const v of history) byValue.set(v.value, [...(byValue.get(v.value) ?? []), v]);
  const folderOf = destinationFolders(log, byValue);
  const newest = new Map<string, SourceVersion>();
  const stale: StaleWrite[] = [];
  const unknown = new Set<string>();
  for (const write of log) {
    const id = `${write.destination}:${write.key}`;
    const source = byValue
      .get(write.value)
      ?.find((v) => v.key === write.key && v.folder === folderOf.get(write.destination));
    if (!source) {
      unknown.add(id);
      continue;
    }
    const before = newest.get(id);
    if (before && source.version < before.version) {
      const seq = soakSequence(source.value) ?? -1;
      const newerSeq = soakSequence(before.value) ?? -1;
      stale.push({
        destination: write.destination,
        key: write.key,
        seq,
        newerSeq,
        version: source.version,
        newerVersion: before.version,
        at: write.at,
      });
    } else newest.set(id, source);
  }
  return { stale, unknown: [...unknown] };
}

/** Each destination's source folder: the one most of its values were committed in. */
function destinationFolders(log: readonly FakeLoggedWrite[], byValue: Map<string, SourceVersion[]>) {
  const votes = new Map<string, Map<string, number>>();
  for (const write of log) {
    const tally = votes.get(write.destination) ?? new Map<string, number>();
    votes.set(write.destination, tally);
    for (const v of byValue.get(write.value) ?? []) tally.set(v.folder, (tally.get(v.folder) ?? 0) + 1);
  }
  const folders = new Map<string, string>();
  for (const [destination, tally] of votes) {
    const best = [...tally].sort((a, b) => b[1] - a[1])[0];
    if (best) folders.set(destination, best[0]);
  }
  return folders;
}

/**
 * Destination writes whose soak sequence number is below one the key already received: the soak's
 * former check, kept as a figure to show how many of those were the destination following a source
 * regression (not failures by themselves).
 */
export function sequenceReversals(log: readonly FakeLoggedWrite[]): number {
  const highest = new Map<string, number>();
  let reversals = 0;
  for (const write of log) {
    const seq = soakSequence(write.value);
    if (seq === undefined) continue;
    const id = `${write.destination}:${write.key}`;
    if (seq < (highest.get(id) ?? -1)) reversals++;
    else highest.set(id, seq);
  }
  return reversals;
}
