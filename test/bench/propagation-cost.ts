// What one propagation costs the machine: N sequential UpdateSecret calls to one auto-synced folder,
// each waited for at the fake Vault, and for every process of the system (the four services, the
// PostgreSQL server, nats-server, this script) the CPU time it spent per propagation — read from
// /proc before and after — with the transactions each service's database committed per propagation
// (pg_stat_database). Beside the wall time per propagation it tells whether the path is bound by
// waiting (CPU well below wall time) or by CPU (the sum near or above wall time × cores).
//   node test/bench/propagation-cost.ts [count=200]
// Needs PostgreSQL and nats-server (test/run-all.sh sets them up); Linux only (/proc). Prints; asserts nothing.
import { readdirSync, readFileSync } from "node:fs";
import { availableParallelism, loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import postgres from "postgres";
import { benchProject, benchSync, createVisibilityTracker, startBenchSystem } from "./bench-support.ts";

const count = Number(process.argv[2] ?? 200);
const TICK_MS = 10; // USER_HZ is 100 on Linux

/** CPU milliseconds spent so far by each process of interest, by name. */
function cpuByProcess(): Map<string, number> {
  const out = new Map<string, number>();
  for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
    try {
      const command = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
      const name =
        /services\/([a-z-]+)\/src\/main\.ts/.exec(command)?.[1] ??
        (/^postgres|postgres:/.test(command) ? "postgresql (all backends)" : undefined) ??
        (command.includes("nats-server") ? "nats-server" : undefined) ??
        (Number(pid) === process.pid ? "this script (client, fake Vault)" : undefined);
      if (!name) continue;
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      const ms = (Number(fields[11]) + Number(fields[12])) * TICK_MS; // utime + stime
      out.set(name, (out.get(name) ?? 0) + ms);
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

const system = await startBenchSystem("bench-cost", "postgres");
const admin = postgres(process.env.SYNCLINE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres", {
  max: 1,
});
const commits = async () =>
  new Map(
    (
      await admin<{ datname: string; xact_commit: string }[]>`
        select datname, xact_commit::text from pg_stat_database where datname like ${"%bench_cost%"}`
    ).map((row) => [row.datname.replace(/^.*bench_cost_/, "").replace(/_[0-9a-f]+$/, ""), Number(row.xact_commit)]),
  );
try {
  const project = await benchProject(system, "bench-cost");
  const address = { projectId: project.projectId, environment: "prod", path: "/app", key: "VALUE" };
  await system.secrets.createSecret({ ...address, value: "v0" });
  await benchSync(system, project, "cost", "/app", "cost");
  const tracker = createVisibilityTracker(system);
  await tracker.visible("cost", 0);
  for (let i = 1; i <= 20; i++) {
    await system.secrets.updateSecret({ ...address, value: `v${i}` }); // warm-up, not counted
    await tracker.visible("cost", i);
  }
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await admin`select pg_stat_clear_snapshot()`;
  const [cpuBefore, commitsBefore] = [cpuByProcess(), await commits()];
  const started = performance.now();
  for (let i = 21; i <= 20 + count; i++) {
    await system.secrets.updateSecret({ ...address, value: `v${i}` });
    await tracker.visible("cost", i);
  }
  const wall = (performance.now() - started) / count;
  await new Promise((resolve) => setTimeout(resolve, 500)); // statistics are reported at transaction end
  await admin`select pg_stat_clear_snapshot()`;
  const [cpuAfter, commitsAfter] = [cpuByProcess(), await commits()];
  tracker.stop();

  console.log(
    `${count} sequential propagations on ${availableParallelism()} cores, load ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" / ")}`,
  );
  console.log(`wall time per propagation (UpdateSecret call → value at Vault): ${wall.toFixed(1)} ms\n`);
  console.log("| process | CPU ms per propagation |\n|---|---|");
  let total = 0;
  for (const [name, after] of [...cpuAfter].sort(
    (a, b) => b[1] - (cpuBefore.get(b[0]) ?? 0) - (a[1] - (cpuBefore.get(a[0]) ?? 0)),
  )) {
    const perPropagation = (after - (cpuBefore.get(name) ?? 0)) / count;
    total += perPropagation;
    console.log(`| ${name} | ${perPropagation.toFixed(1)} |`);
  }
  console.log(
    `| **all** | **${total.toFixed(1)}** (${((total / wall) * 100).toFixed(0)} % of one core's wall time) |\n`,
  );
  console.log("| database | transactions per propagation |\n|---|---|");
  for (const [name, after] of commitsAfter) {
    console.log(`| ${name} | ${((after - (commitsBefore.get(name) ?? 0)) / count).toFixed(1)} |`);
  }
} finally {
  await admin.end();
  await system.stop();
}
