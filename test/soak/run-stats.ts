import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { SoakFixture } from "./soak-fixture.ts";
import type { SoakSystem } from "./soak-system.ts";

/** The runs of the soak's syncs as the orchestrator recorded them (ListSyncRuns). */
export interface RunStats {
  total: number;
  byState: Record<string, number>;
  /** Attempts beyond the first, summed over all runs. */
  retries: number;
  /** Requests folded into runs (changes that cost no extra run). */
  coalesced: number;
  /** Distinct messages of FAILED runs with their counts (they name keys, never values). */
  failures: Record<string, number>;
}

/** Reads every run of every soak sync. */
export async function collectRunStats(system: SoakSystem, fixture: SoakFixture): Promise<RunStats> {
  const stats: RunStats = { total: 0, byState: {}, retries: 0, coalesced: 0, failures: {} };
  for (const sync of fixture.syncs) {
    let pageToken = "";
    do {
      const page = await system.syncs.listSyncRuns(
        { secretSyncId: sync.id, pageSize: 500, pageToken },
        { deadlineMs: 30_000 },
      );
      for (const run of page.runs) {
        const state = SyncState[run.state] ?? String(run.state);
        stats.total++;
        stats.byState[state] = (stats.byState[state] ?? 0) + 1;
        stats.retries += Math.max(0, run.attempts - 1);
        stats.coalesced += run.coalescedRequests;
        if (run.state === SyncState.FAILED)
          stats.failures[run.message.slice(0, 160)] = (stats.failures[run.message.slice(0, 160)] ?? 0) + 1;
      }
      pageToken = page.nextPageToken;
    } while (pageToken);
  }
  return stats;
}
