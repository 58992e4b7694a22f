import type { ChaosSoakReport } from "./run-chaos-soak.ts";

const sum = (record: Record<string, number>) => Object.values(record).reduce((a, b) => a + b, 0);
const counts = (record: Record<string, number>) =>
  Object.entries(record)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${k} ${n}`)
    .join(", ") || "none";
const names = (list: readonly string[]) => (list.length > 0 ? ` (${list.slice(0, 20).join(", ")})` : "");

/** The report as the lines the script prints (key names only, never a value). */
export function formatReport(report: ChaosSoakReport): string[] {
  const { writer, chaos, runs, injected, syncs } = report;
  const seconds = report.durationMs / 1000;
  const stale = report.staleOverNew.map(
    (s) => `${s.destination}:${s.key} seq ${s.seq} (source v${s.version}) after ${s.newerSeq} (v${s.newerVersion})`,
  );
  const converge = report.convergedSeconds === undefined ? "did not converge" : report.convergedSeconds.toFixed(1);
  const lines = [
    `chaos soak: ${seconds.toFixed(0)} s of faults, ${syncs.vault} Vault + ${syncs.github} GitHub syncs, ` +
      `${syncs.keys} keys`,
    `changes accepted: ${writer.accepted} (${(writer.accepted / seconds).toFixed(1)}/s; ` +
      `ticks skipped at the in-flight cap: ${writer.skipped})`,
    `  failed calls retried: ${counts(writer.failed)}; re-reads: ${writer.rereads}; ` +
      `re-reads that saw an older value: ${writer.sourceRegressions}`,
    `  failed UpdateSecret calls whose value the source committed anyway: ${report.failedButCommitted}`,
    `source regressions (late commits of timed-out writes): ${report.sourceRegressions.length}` +
      names(report.sourceRegressions),
    `processes killed: ${sum(chaos.killed)} (${counts(chaos.killed)}); ` +
      `exited on their own: ${sum(chaos.unexpectedExits)} (${counts(chaos.unexpectedExits)})`,
    `restarts: nats ${chaos.natsRestarts}, postgres ${chaos.postgresRestarts}`,
    `injected at the fakes: ${injected.serverErrors} 5xx, ${injected.rateLimits} 429, ${injected.hangs} hangs`,
    `runs: ${runs.total} (${counts(runs.byState)}), retries: ${runs.retries}, coalesced requests: ${runs.coalesced}`,
    ...Object.entries(runs.failures).map(([message, n]) => `  FAILED ×${n}: ${message}`),
    `seconds to converge: ${converge}`,
    `lost = ${report.lost.length}${names(report.lost)}`,
    `extra = ${report.extra.length}${names(report.extra)}`,
    `stale-over-new (by source commit order) = ${stale.length}${names(stale)}`,
    `  destination writes lower in sequence number than one the key had (following the source): ` +
      `${report.sequenceReversals}`,
    `destination values not in the source history = ${report.notInSource.length}${names(report.notInSource)}`,
  ];
  if (report.stillLost !== undefined) {
    lines.push(
      report.lateConvergedSeconds === undefined
        ? `after a further late window: still lost = ${report.stillLost.length}${names(report.stillLost)}`
        : `after a further late window: converged ${report.lateConvergedSeconds.toFixed(1)} s after the faults stopped`,
    );
  }
  if (report.diagnostics.length > 0) lines.push("syncs divergent at the end of the window:", ...report.diagnostics);
  return lines;
}
