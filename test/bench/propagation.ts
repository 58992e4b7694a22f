// Propagation benchmark: N secret updates, each timed from the UpdateSecret acknowledgement until
// the new value is visible at the (fake) Vault destination, through the real chain of processes.
//   npm run bench -- [count=200] [gapMs=0]
// Prints count, p50, p90, p99 and max. Needs PostgreSQL and nats-server (test/run-all.sh sets them up).
import { performance } from "node:perf_hooks";
import { eventually } from "../support/eventually.ts";
import { benchProject, benchSync, startBenchSystem } from "./bench-support.ts";

const count = Number(process.argv[2] ?? 200);
const gapMs = Number(process.argv[3] ?? 0);
const system = await startBenchSystem("bench-propagation");
try {
  const { projectId, connectionId } = await benchProject(system, "bench");
  await system.secrets.createSecret({ projectId, environment: "prod", path: "/app", key: "VALUE", value: "0" });
  await benchSync(system, { projectId, connectionId }, "bench", "/app", "bench");
  await eventually(() => (system.vault.read("secret", "bench")?.VALUE === "0" ? true : undefined));

  // Record when each value first becomes visible at the destination.
  const visibleAt = new Map<string, number>();
  system.vault.onWrite(() => {
    const value = system.vault.read("secret", "bench")?.VALUE;
    if (typeof value === "string" && !visibleAt.has(value)) visibleAt.set(value, performance.now());
  });

  const latencies: number[] = [];
  const rpc: number[] = [];
  const started = performance.now();
  for (let i = 1; i <= count; i++) {
    const value = `v${i}`;
    const sent = performance.now();
    await system.secrets.updateSecret({ projectId, environment: "prod", path: "/app", key: "VALUE", value });
    const acked = performance.now();
    rpc.push(acked - sent);
    await eventually(() => (visibleAt.has(value) ? true : undefined), { intervalMs: 1, timeoutMs: 60_000 });
    latencies.push(Math.max(0, visibleAt.get(value)! - acked));
    if (gapMs > 0) await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
  const elapsed = (performance.now() - started) / 1000;
  report("ack → visible at Vault", latencies);
  report("UpdateSecret RPC", rpc);
  console.log(
    `${count} sequential updates in ${elapsed.toFixed(1)} s (${(count / elapsed).toFixed(1)} updates/s end to end)`,
  );
} finally {
  await system.stop();
}

function report(label: string, samples: number[]): void {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  console.log(
    `${label}: count ${sorted.length}, p50 ${ms(at(0.5))}, p90 ${ms(at(0.9))}, p99 ${ms(at(0.99))}, max ${ms(sorted[sorted.length - 1]!)}`,
  );
}
