// Fan-out benchmark: N syncs read the same folder, each writing its own Vault path. One change to
// the folder is timed from its UpdateSecret acknowledgement until every destination shows it.
//   node test/bench/fan-out.ts [counts=100,1000]
// Prints, per N: time to the first, median, 99th percentile and last destination, and set-up time.
import { report } from "./bench-support.ts";
import { measureFanOut } from "./table/fan-out-figure.ts";

const counts = (process.argv[2] ?? "100,1000").split(",").map(Number);
for (const { count, setupSeconds, latencies } of await measureFanOut(counts)) {
  console.log(`fan-out ${count}: ${count} syncs created and first synced in ${setupSeconds.toFixed(1)} s`);
  report(`fan-out ${count}: one change → each destination equal`, latencies);
  console.log(`fan-out ${count}: all ${count} destinations equal after ${Math.max(...latencies).toFixed(0)} ms`);
}
