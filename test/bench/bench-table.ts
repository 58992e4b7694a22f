// The benchmark table: every figure Syncline holds itself to, measured through the real processes
// (each figure on a system of its own: PostgreSQL unless it says PGlite, nats-server, fake Vault),
// printed as a Markdown table with the machine's cores and load, the date and the commit.
//   npm run bench -- [--samples 100] [--long] [--only propagation,writes,fan-out,burst,first-push,isolation]
//                    [--orchestrators 2 --workers 4]
// --long adds the long sizes (fan-out to 1,000 syncs); --orchestrators and --workers run that many of
// each on the PostgreSQL systems (the embedded figure always runs one of each). Needs PostgreSQL and nats-server
// (test/run-all.sh sets them up). Figures are read, never asserted: nothing here fails on a miss.
import { execFileSync } from "node:child_process";
import { availableParallelism, cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { benchScale, type BenchScale } from "./bench-support.ts";
import type { BenchFigure, FigureRow } from "./table/bench-figure.ts";
import { burstFigure } from "./table/burst-figure.ts";
import { fanOutFigure } from "./table/fan-out-figure.ts";
import { firstPushFigure } from "./table/first-push-figure.ts";
import { isolationFigure } from "./table/isolation-figure.ts";
import { propagationFigure } from "./table/propagation-figure.ts";
import { writeThroughputFigure } from "./table/write-throughput-figure.ts";

const figures: readonly BenchFigure[] = [
  propagationFigure,
  writeThroughputFigure,
  fanOutFigure,
  burstFigure,
  firstPushFigure,
  isolationFigure,
];

const { values } = parseArgs({
  options: {
    samples: { type: "string", default: "100" },
    long: { type: "boolean", default: false },
    only: { type: "string" },
    orchestrators: { type: "string", default: "1" },
    workers: { type: "string", default: "1" },
  },
});
const only = values.only?.split(",").map((name) => name.trim());
const unknown = only?.filter((name) => !figures.some((figure) => figure.name === name)) ?? [];
if (unknown.length > 0) {
  console.error(`unknown figure ${unknown.join(", ")}; figures: ${figures.map((f) => f.name).join(", ")}`);
  process.exit(2);
}
const samples = Number(values.samples);
if (!Number.isInteger(samples) || samples < 1) {
  console.error("--samples must be a positive integer");
  process.exit(2);
}

// The figures' systems read the scale from the environment (bench-support.ts, benchScale).
process.env.SYNCLINE_BENCH_ORCHESTRATORS = values.orchestrators;
process.env.SYNCLINE_BENCH_WORKERS = values.workers;
let scale: BenchScale;
try {
  scale = benchScale();
} catch {
  console.error("--orchestrators and --workers must be positive integers");
  process.exit(2);
}

const load = () =>
  loadavg()
    .map((value) => value.toFixed(2))
    .join(" / ");
const commit = (() => {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
})();
const loadBefore = load();
const rows: FigureRow[] = [];
for (const figure of figures.filter((f) => !only || only.includes(f.name))) {
  console.error(`[bench] ${figure.name}: measuring (load ${load()})`);
  rows.push(...(await figure.measure({ samples, long: values.long, log: (line) => console.error(`[bench] ${line}`) })));
}

console.log(`\nSyncline benchmark, ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC, commit ${commit}`);
console.log(
  `machine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? "unknown CPU"}), load average (1/5/15 min) ` +
    `${loadBefore} before, ${load()} after; Node ${process.version}; ${samples} samples per latency figure; ` +
    `${scale.orchestrators} orchestrator(s) and ${scale.workers} worker(s) on PostgreSQL\n`,
);
const table = [
  ["figure", "measured", "goal", "met"],
  ...rows.map((r) => [r.figure, r.measured, r.goal, r.met ? "yes" : "no"]),
];
const widths = table[0]!.map((_, column) => Math.max(...table.map((row) => row[column]!.length)));
const line = (row: readonly string[]) => `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(" | ")} |`;
console.log(line(table[0]!));
console.log(`|${widths.map((width) => "-".repeat(width + 2)).join("|")}|`);
for (const row of table.slice(1)) console.log(line(row));
