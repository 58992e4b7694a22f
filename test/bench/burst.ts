// Burst benchmark: 1,000 changes to one folder synced to one Vault path (100 keys × 10 rounds,
// 16 writes in flight), then: how many runs the burst cost, how many Vault writes, and how long
// until the destination equals the source.
//   node test/bench/burst.ts [keys=100] [rounds=10] [inFlight=16]
import { performance } from "node:perf_hooks";
import { eventually } from "../support/eventually.ts";
import { benchProject, benchSync, inParallel, runCount, startBenchSystem } from "./bench-support.ts";

const keys = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 10);
const inFlight = Number(process.argv[4] ?? 16);
const system = await startBenchSystem("bench-burst");
try {
  const project = await benchProject(system, "bench-burst");
  const address = { projectId: project.projectId, environment: "prod", path: "/burst" };
  await system.secrets.createSecret({ ...address, key: "SEED", value: "s" });
  const syncId = await benchSync(system, project, "burst", "/burst", "burst");
  await eventually(() => (system.vault.read("secret", "burst")?.SEED === "s" ? true : undefined), {
    timeoutMs: 60_000,
  });
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const runsBefore = await runCount(system, syncId);
  let vaultWrites = 0;
  const stop = system.vault.onWrite((write) => void (write.path === "burst" && vaultWrites++));

  const names = Array.from({ length: keys }, (_, i) => `KEY_${i}`);
  const started = performance.now();
  for (let round = 1; round <= rounds; round++) {
    await inParallel(names, inFlight, async (key) => {
      if (round === 1) await system.secrets.createSecret({ ...address, key, value: `r${round}` });
      else await system.secrets.updateSecret({ ...address, key, value: `r${round}` });
    });
  }
  const sentMs = performance.now() - started;
  const converged = () => {
    const data = system.vault.read("secret", "burst") ?? {};
    return (
      data.SEED === "s" && Object.keys(data).length === keys + 1 && names.every((key) => data[key] === `r${rounds}`)
    );
  };
  await eventually(() => (converged() ? true : undefined), { timeoutMs: 900_000, intervalMs: 10 });
  const convergedMs = performance.now() - started;
  await new Promise((resolve) => setTimeout(resolve, 5000)); // let trailing runs finish before counting
  stop();
  const runs = (await runCount(system, syncId)) - runsBefore;
  console.log(
    `burst: ${keys * rounds} changes to one folder sent in ${(sentMs / 1000).toFixed(1)} s (${inFlight} in flight)`,
  );
  console.log(
    `burst: destination equal to the source ${(convergedMs / 1000).toFixed(1)} s after the first change (${((convergedMs - sentMs) / 1000).toFixed(1)} s after the last)`,
  );
  console.log(`burst: ${runs} runs executed, ${vaultWrites} Vault writes for ${keys * rounds} changes`);
} finally {
  await system.stop();
}
