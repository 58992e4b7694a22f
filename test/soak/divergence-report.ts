import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { SoakFixture } from "./soak-fixture.ts";
import type { SoakSystem } from "./soak-system.ts";

const time = (t: Timestamp | undefined) => (t ? timestampDate(t).toISOString().slice(11, 23) : "-");

/**
 * For each sync whose destination still differs from its source, what the orchestrator says about
 * it (status, last synced revision, newest runs) and when its differing keys last changed at the
 * source — enough to tell a lost trigger from a failed or stuck run. Key names only, never values.
 */
export async function describeDivergence(
  system: SoakSystem,
  fixture: SoakFixture,
  lost: readonly string[],
): Promise<string[]> {
  const lines: string[] = [];
  for (const [index, sync] of fixture.syncs.entries()) {
    const keys = lost
      .filter((entry) => entry.startsWith(`${sync.target.folder}:`))
      .map((entry) => entry.slice(sync.target.folder.length + 1));
    if (keys.length === 0) continue;
    try {
      const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: sync.id });
      const status = secretSync?.syncStatus;
      const message = status?.message ? `, "${status.message.slice(0, 120)}"` : "";
      lines.push(
        `  soak-${index} ${sync.target.folder} (${sync.id}): status ${SyncState[status?.state ?? 0]} ` +
          `revision ${status?.sourceRevision ?? 0}, ` +
          `last synced revision ${secretSync?.lastSyncedRevision ?? 0}${message}`,
      );
      for (const key of keys) {
        const { secret } = await system.secrets.getSecret({
          projectId: fixture.projectId,
          environment: fixture.environment,
          path: sync.target.folder,
          key,
        });
        lines.push(`    ${key}: changed at the source ${time(secret?.updateTime)} (version ${secret?.version ?? "?"})`);
      }
      const { runs } = await system.syncs.listSyncRuns({ secretSyncId: sync.id, pageSize: 4 });
      for (const run of runs) {
        lines.push(
          `    run ${run.id.slice(0, 8)} ${SyncState[run.state]} ${SyncTrigger[run.trigger]} ` +
            `revision ${run.sourceRevision} attempts ${run.attempts} coalesced ${run.coalescedRequests} ` +
            `queued ${time(run.queueTime)} started ${time(run.startTime)} ended ${time(run.endTime)}` +
            `${run.message ? ` "${run.message.slice(0, 100)}"` : ""}`,
        );
      }
    } catch (error) {
      lines.push(
        `  soak-${index} ${sync.target.folder}: could not be described (${(error as Error).message.slice(0, 100)})`,
      );
    }
  }
  return lines;
}
