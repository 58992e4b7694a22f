import type { ChildProcess } from "node:child_process";

/**
 * Resolves once the spawned nats-server prints "Server is ready"; rejects, with what it printed,
 * when it exits first, cannot be run, or stays silent for `timeoutMs`. `name` says which server in
 * the error.
 */
export function natsReady(child: ChildProcess, name: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`${name} did not start:\n${output}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Server is ready/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(new Error(`cannot run nats-server for ${name}: ${error.message}; install the Debian package nats-server`));
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${code}:\n${output}`));
    });
  });
}
