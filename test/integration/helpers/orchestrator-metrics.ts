import { eventually } from "../../support/eventually.ts";
import type { SyncingSystem } from "../../support/starter.ts";

/**
 * Scrapes the orchestrator's Prometheus endpoint of a system started with SYNCLINE_METRICS_PORT=0
 * (the port is the one it logged) and returns the samples whose series starts with `prefix`.
 */
export async function orchestratorSamples(system: SyncingSystem, prefix: string): Promise<Map<string, number>> {
  const port = await eventually(
    () => {
      for (const line of system.services.orchestrator.output().split("\n")) {
        if (line.includes('"metrics listening"')) return (JSON.parse(line) as { port?: number }).port;
      }
      return undefined;
    },
    { timeoutMs: 30_000, describe: () => 'the orchestrator never logged "metrics listening"' },
  );
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (!line.startsWith(prefix)) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}
