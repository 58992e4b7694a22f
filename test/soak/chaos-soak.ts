// Chaos soak: proves "lost = 0, stale-over-new = 0" under kills, broker and database restarts and
// failing destinations (README "Chaos soak").
//   node test/soak/chaos-soak.ts [minutes=3]
// Needs the PostgreSQL binaries (initdb, pg_ctl; run as the postgres user when root) and nats-server.
// Exits non-zero when a change was lost, a stale value overwrote a newer one, or convergence failed.
import { runChaosSoak } from "./run-chaos-soak.ts";
import { formatReport } from "./soak-report.ts";
import { stopRunningSoakSystems } from "./soak-system.ts";

const minutes = Number(process.argv[2] ?? 3);
if (!(minutes > 0)) throw new Error("usage: node test/soak/chaos-soak.ts [minutes=3]");
const started = Date.now();
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    console.log(`${signal}: stopping every process the soak started`);
    void stopRunningSoakSystems().finally(() => process.exit(130));
  });
}
const report = await runChaosSoak({
  durationMs: Math.round(minutes * 60_000),
  lateWindowMs: 120_000,
  log: (line) =>
    console.log(`[${new Date().toISOString().slice(11, 19)} +${((Date.now() - started) / 1000).toFixed(0)} s] ${line}`),
});
for (const line of formatReport(report)) console.log(line);
const ok =
  report.converged && report.lost.length === 0 && report.staleOverNew.length === 0 && report.notInSource.length === 0;
process.exitCode = ok ? 0 : 1;
