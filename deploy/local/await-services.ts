// Waits for the services up.sh started and says how it goes, one line per service as it becomes
// SERVING (grpc.health.v1) or stops, and a line every 10 s naming those still starting, so a first
// start is never silent.
// Usage: node deploy/local/await-services.ts <log dir> name=host:port=pid ...
// The log of `name` is <log dir>/<name>.log. Exits 0 once all are SERVING; 1 when one exits or is
// still not SERVING after SYNCLINE_START_TIMEOUT_S (default 300), naming its log and its last lines.
// Over TLS when SYNCLINE_TLS_CA_FILE (+ client certificate) is set (docs/transport-security.md).
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Health, HealthCheckResponse_ServingStatus as Status } from "@syncline/gen/grpc/health/v1/health_pb.js";
import { createRpcClient } from "@syncline/rpc";
import { readTransportSecurity } from "@syncline/service-runtime";

const [logDir, ...specs] = process.argv.slice(2);
if (!logDir || specs.length === 0) {
  console.error("usage: node deploy/local/await-services.ts <log dir> name=host:port=pid ...");
  process.exit(2);
}
const timeoutMs = Number(process.env.SYNCLINE_START_TIMEOUT_S ?? 300) * 1000;
const tls = readTransportSecurity().grpcClient;
const started = Date.now();
const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const width = Math.max(...specs.map((spec) => spec.split("=")[0]!.length)) + 2;

/** A process is gone when it no longer exists or is a zombie its parent (up.sh) has not reaped yet. */
function exited(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  const status = `/proc/${pid}/status`;
  return existsSync(status) && /^State:\s*Z/m.test(readFileSync(status, "utf8"));
}

/** The last lines of a service's log, the message of JSON lines only, to show why it stopped. */
function lastLines(file: string, count = 5): string {
  if (!existsSync(file)) return "    (no log written)";
  const lines = readFileSync(file, "utf8").trimEnd().split("\n").slice(-count);
  return lines
    .map((line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; err?: { message?: string } };
        return `    ${[entry.msg, entry.err?.message].filter(Boolean).join(": ")}`;
      } catch {
        return `    ${line}`;
      }
    })
    .join("\n");
}

/** Polls one service until it is SERVING (true) or its process exited or time ran out (false). */
async function awaitService(spec: string): Promise<boolean> {
  const [name, address, pid] = spec.split("=") as [string, string, string];
  const log = join(logDir!, `${name}.log`);
  for (;;) {
    // A fresh channel per check: a long-failing one would back off for up to two minutes.
    const client = createRpcClient(Health, { address, deadlineMs: 2000, tls });
    const status = await client
      .check({ service: "" })
      .then(
        (response) => Status[response.status],
        () => "DOWN",
      )
      .finally(() => client.close());
    if (status === "SERVING") {
      console.log(`  ${name.padEnd(width)}SERVING after ${seconds()}`);
      return true;
    }
    const stopped = exited(Number(pid));
    if (stopped || Date.now() - started > timeoutMs) {
      const why = stopped ? "exited" : `not SERVING (${status})`;
      console.log(`  ${name.padEnd(width)}${why} after ${seconds()}; its log: ${log}\n${lastLines(log)}`);
      return false;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const names = specs.map((spec) => spec.split("=")[0]!);
console.log(`starting ${names.join(", ")} (logs in ${logDir})`);
const pending = new Set(names);
const ticker = setInterval(() => console.log(`  … still starting: ${[...pending].join(", ")} (${seconds()})`), 10_000);
const results = await Promise.all(
  specs.map((spec) =>
    awaitService(spec).finally(() => {
      pending.delete(spec.split("=")[0]!);
    }),
  ),
);
clearInterval(ticker);
process.exit(results.every(Boolean) ? 0 : 1);
