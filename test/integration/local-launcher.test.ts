import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { connectBus } from "@syncline/bus";
import { createAuthenticator, createRpcServer, parsePeerServiceDigests, type RpcServer } from "@syncline/rpc";
import { createLogger } from "@syncline/telemetry";
import { freePort } from "../support/free-port.ts";

/**
 * What `bash deploy/local/up.sh` prints and starts, without starting the whole system (its fixed
 * ports would collide with other runs): the progress of the services it waits for
 * (deploy/local/await-services.ts) and the 3-node cluster of `--nats-cluster`
 * (deploy/local/nats-cluster.sh), each run here as up.sh runs it, on free ports in a temp dir.
 */
const root = new URL("../../", import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), "syncline-launcher-"));
const started: ChildProcess[] = [];
let server: RpcServer;
let serverPort: number;

beforeAll(async () => {
  server = createRpcServer({
    authenticator: createAuthenticator({ serviceCredentials: parsePeerServiceDigests("") }),
    logger: createLogger("launcher", "silent"),
  });
  serverPort = await server.listen("127.0.0.1", 0);
});

afterAll(async () => {
  await server.shutdown(100);
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
  await Promise.all(started.map((child) => (child.exitCode === null ? once(child) : undefined)));
  rmSync(dir, { recursive: true, force: true });
});

function once(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

/** Runs `command` to its end (or until `until` matches its output) and returns what it printed. */
function run(command: string, args: string[], env: Record<string, string> = {}, until?: RegExp) {
  const child = spawn(command, args, { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  started.push(child);
  let output = "";
  return new Promise<{ code: number | null; output: string; child: ChildProcess }>((resolve) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (until?.test(output)) resolve({ code: null, output, child });
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => resolve({ code, output, child }));
  });
}

describe("the local launcher", () => {
  it("says when each service is SERVING, and names the log of one that stopped", async () => {
    // A "service" that stops at once, having written why into its log.
    const crashed = spawn("sh", ["-c", "exit 3"]);
    started.push(crashed);
    await once(crashed);
    writeFileSync(join(dir, "worker.log"), `${JSON.stringify({ level: 60, msg: "configuration is invalid" })}\n`);
    const { code, output } = await run(process.execPath, [
      "deploy/local/await-services.ts",
      dir,
      `secrets=127.0.0.1:${serverPort}=${process.pid}`,
      `worker=127.0.0.1:${await freePort()}=${crashed.pid}`,
    ]);
    expect(code).toBe(1);
    expect(output).toContain(`starting secrets, worker (logs in ${dir})`);
    expect(output).toMatch(/secrets +SERVING after \d+\.\d s/);
    expect(output).toMatch(/worker +exited after \d+\.\d s/);
    expect(output).toContain(`its log: ${join(dir, "worker.log")}`);
    expect(output).toContain("configuration is invalid");
  });

  it("starts a 3-node JetStream cluster that takes streams with three replicas", { timeout: 120_000 }, async () => {
    const ports = await Promise.all(Array.from({ length: 7 }, () => freePort()));
    const env = {
      SYNCLINE_NATS_CLUSTER_CLIENT_PORTS: ports.slice(0, 3).join(" "),
      SYNCLINE_NATS_CLUSTER_ROUTE_PORTS: ports.slice(3, 6).join(" "),
      SYNCLINE_NATS_CLUSTER_HTTP_PORT: String(ports[6]),
    };
    const { output, child } = await run("bash", ["deploy/local/nats-cluster.sh", join(dir, "cluster")], env, /ready /);
    const urls = /^ready (\S+)$/m.exec(output)?.[1];
    expect(urls?.split(",")).toEqual(ports.slice(0, 3).map((port) => `nats://127.0.0.1:${port}`));

    const nc = await connectBus(urls!, "launcher-test");
    try {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.add({ name: "LAUNCHER_R3", subjects: ["launcher.>"], num_replicas: 3 });
      expect(info.cluster?.replicas ?? []).toHaveLength(2);
    } finally {
      await nc.close();
    }
    // Stopping the script stops its three nodes.
    child.kill("SIGTERM");
    await once(child);
    const again = await connectBus(urls!, "launcher-test-after").then(
      (connection) => connection.close().then(() => "connected"),
      () => "refused",
    );
    expect(again).toBe("refused");
  });
});
