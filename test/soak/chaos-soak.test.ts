import { afterAll, describe, expect, it } from "vitest";
import { runChaosSoak } from "./run-chaos-soak.ts";
import { formatReport } from "./soak-report.ts";
import { stopRunningSoakSystems } from "./soak-system.ts";

/**
 * The chaos soak for 60 s (README "Chaos soak"): its own PostgreSQL and nats-server, five service
 * processes, 24 Vault and 8 GitHub syncs under steady writes while processes are SIGKILLed, NATS
 * and PostgreSQL restart and the fakes answer 5xx, 429 and hang at random. Heavy: `npm test` runs
 * it in a vitest run of its own, after the other files.
 */
describe("chaos soak", () => {
  // The soak stops its system in a finally; this also covers a test that times out while it still runs.
  afterAll(() => stopRunningSoakSystems());

  it("loses no change and never writes an older value over a newer one", async () => {
    const started = Date.now();
    const log = (line: string) =>
      console.log(
        `[${new Date().toISOString().slice(11, 19)} +${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`,
      );
    const report = await runChaosSoak({ durationMs: 60_000, log });
    // The figures (key names only, never a value), so a failure says what happened.
    console.log(formatReport(report).join("\n"));
    expect(report.chaos.natsRestarts).toBe(1);
    expect(report.chaos.postgresRestarts).toBe(1);
    expect(report.writer.accepted).toBeGreaterThan(0);
    expect(report.injected.serverErrors + report.injected.rateLimits + report.injected.hangs).toBeGreaterThan(0);
    const stale = report.staleOverNew.map((s) => `${s.destination}:${s.key} v${s.version} after v${s.newerVersion}`);
    expect(stale).toEqual([]);
    expect(report.notInSource).toEqual([]);
    expect(report.lost).toEqual([]);
    expect(report.extra).toEqual([]);
    expect(report.converged).toBe(true);
  }, 300_000);
});
