import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A private `nats-server -js` for one test file: random port, its own store, removed on stop. */
export interface TestNatsServer {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * Starts nats-server with JetStream on a random loopback port and waits until it listens. With
 * `config` (the text of a configuration file — users, permissions, TLS — for the given JetStream
 * store directory) the server runs with it; the address and port flags override what it says.
 */
export async function startNatsServer(
  options: { config?: (storeDir: string) => string } = {},
): Promise<TestNatsServer> {
  const storeDir = mkdtempSync(join(tmpdir(), "syncline-nats-"));
  const binary = process.env.NATS_SERVER_BIN ?? "nats-server";
  const storeArgs = ["-js", "-sd", storeDir];
  if (options.config !== undefined) {
    writeFileSync(join(storeDir, "nats-server.conf"), options.config(join(storeDir, "jetstream")));
    storeArgs.splice(0, storeArgs.length, "-c", join(storeDir, "nats-server.conf"));
  }
  const child = spawn(binary, [...storeArgs, "-a", "127.0.0.1", "-p", "-1"], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`nats-server did not start:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening for client connections on [^\s]+:(\d+)/.exec(output);
      if (match && /Server is ready/.test(output)) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (error) =>
      reject(new Error(`cannot run ${binary}: ${error.message}; install the Debian package nats-server`)),
    );
    child.once("exit", (code) => reject(new Error(`nats-server exited with ${code}:\n${output}`)));
  });
  return {
    url: `nats://127.0.0.1:${port}`,
    async stop() {
      await stopChild(child);
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
  await exited;
  clearTimeout(timer);
}
