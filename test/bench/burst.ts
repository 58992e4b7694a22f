// Burst benchmark: 1,000 changes to one folder synced to one Vault path (100 keys × 10 rounds,
// 16 writes in flight), then: how many runs the burst cost, how many Vault writes, and how long
// until the destination equals the source.
//   node test/bench/burst.ts [keys=100] [rounds=10] [inFlight=16]
import { measureBurst } from "./table/burst-figure.ts";

const keys = Number(process.argv[2] ?? 100);
const rounds = Number(process.argv[3] ?? 10);
const inFlight = Number(process.argv[4] ?? 16);
const outcome = await measureBurst({ keys, rounds, inFlight });
const seconds = (value: number) => (value / 1000).toFixed(1);
console.log(
  `burst: ${outcome.changes} changes to one folder sent in ${seconds(outcome.sentMs)} s (${inFlight} in flight)`,
);
console.log(
  `burst: destination equal to the source ${seconds(outcome.convergedMs)} s after the first change (${seconds(outcome.convergedMs - outcome.sentMs)} s after the last)`,
);
console.log(`burst: ${outcome.runs} runs executed, ${outcome.vaultWrites} Vault writes for ${outcome.changes} changes`);
