import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "./free-port.ts";
import { natsReady } from "./nats-ready.ts";

/**
 * A `nats-server -js` that can be killed and started again on the same port with the same store
 * directory, so JetStream keeps its streams (and their duplicate windows) across the outage —
 * what a broker restart looks like to the services connected to it.
 */
export interface RestartableNats {
  readonly url: string;
  readonly running: boolean;
  /** Stops the server (SIGKILL by default: a crash) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port and store directory; resolves once it is ready. */
  start(): Promise<void>;
  /** Stops it for good and removes the store directory. */
  destroy(): Promise<void>;
}

/** Starts nats-server -js on a free loopback port with a store directory of its own. */
export async function startRestartableNats(): Promise<RestartableNats> {
  const storeDir = mkdtempSync(join(tmpdir(), "syncline-nats-restartable-"));
  const port = await freePort();
  const binary = process.env.NATS_SERVER_BIN ?? "nats-server";
  let child: ChildProcess | undefined;

  const start = async () => {
    const current = spawn(binary, ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = current;
    await natsReady(current, `nats-server on ${port}`, 15_000);
  };

  const kill = async (signal: NodeJS.Signals = "SIGKILL") => {
    const current = child;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    const exited = new Promise((resolve) => current.once("exit", resolve));
    current.kill(signal);
    await exited;
  };

  await start();
  return {
    url: `nats://127.0.0.1:${port}`,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    kill,
    start,
    async destroy() {
      await kill("SIGTERM");
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}
