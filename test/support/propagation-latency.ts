/**
 * Propagation latency measured by an e2e test: `samples` changes one after another, each timed
 * from the source write to its write at the fake; printed as p50/p99, never asserted (figures
 * belong to benchmarks, not pass/fail). SYNCLINE_LATENCY_SAMPLES sets how many (default 10, enough
 * for a smoke figure in CI; use 100 or more for a figure to publish).
 */
export const latencySamples = Number(process.env.SYNCLINE_LATENCY_SAMPLES ?? "10");

/**
 * Runs `change(i)` for i = 1…samples; each resolves with the milliseconds from its write to the
 * destination write it caused. Prints and returns the sorted latencies.
 */
export async function measurePropagation(
  label: string,
  change: (i: number) => Promise<number>,
  samples = latencySamples,
): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 1; i <= samples; i++) latencies.push(await change(i));
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]!.toFixed(0);
  console.log(`${label} propagation over ${latencies.length} changes: p50 ${at(0.5)} ms, p99 ${at(0.99)} ms`);
  return latencies;
}
