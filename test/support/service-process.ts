import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { fileURLToPath } from "node:url";

const repoRoot = fileURLToPath(new URL("../../", import.meta.url));

/** One Syncline service run as a real child process, with its output kept for inspection. */
export interface ServiceProcess {
  readonly name: string;
  /** The gRPC port the service reported in its "listening" log line. */
  readonly port: number;
  readonly address: string;
  /** Everything the process wrote to stdout and stderr, across restarts. */
  output(): string;
  /** Sends a signal and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts the process again on the same port. */
  restart(): Promise<void>;
  readonly running: boolean;
  /** The running process's id (for benchmarks reading its memory from /proc), undefined once stopped. */
  readonly pid: number | undefined;
}

/**
 * Spawns `node services/<name>/src/main.ts` with `env` on the Node running the tests (Node 24),
 * and resolves once it logs "listening" (within `startTimeoutMs`, default 120 s; a process that
 * does not is killed). Output also goes to `logFile`.
 */
export async function startServiceProcess(
  name: string,
  env: Record<string, string>,
  logFile: string,
  portVariable: string,
  startTimeoutMs = 120_000,
): Promise<ServiceProcess> {
  const chunks: string[] = [];
  let child: ChildProcess | undefined;
  let port = Number(env[portVariable] ?? 0);
  const log: WriteStream = createWriteStream(logFile, { flags: "a" });

  const launch = async () => {
    const current = spawn(process.execPath, [`services/${name}/src/main.ts`], {
      cwd: repoRoot,
      env: { ...process.env, ...env, [portVariable]: String(port), LOG_LEVEL: env.LOG_LEVEL ?? "debug" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child = current;
    port = await new Promise<number>((resolve, reject) => {
      let pending = "";
      // Generous by default: on a busy machine a service opening an embedded PGlite (WASM, data directory) takes long.
      const timer = setTimeout(() => {
        current.kill("SIGKILL");
        reject(new Error(`${name} did not start in ${startTimeoutMs / 1000}s:\n${chunks.join("").slice(-4000)}`));
      }, startTimeoutMs);
      const onData = (chunk: Buffer) => {
        const text = chunk.toString();
        chunks.push(text);
        log.write(text);
        pending += text;
        for (let newline = pending.indexOf("\n"); newline >= 0; newline = pending.indexOf("\n")) {
          const line = pending.slice(0, newline);
          pending = pending.slice(newline + 1);
          if (line.includes('"msg":"listening"')) {
            clearTimeout(timer);
            resolve(JSON.parse(line).port as number);
          }
        }
      };
      current.stdout!.on("data", onData);
      current.stderr!.on("data", (chunk: Buffer) => {
        chunks.push(chunk.toString());
        log.write(chunk);
      });
      current.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code ?? signal}) before listening:\n${chunks.join("").slice(-4000)}`));
      });
    });
  };

  await launch();
  const proc: ServiceProcess = {
    name,
    get port() {
      return port;
    },
    get address() {
      return `127.0.0.1:${port}`;
    },
    get pid() {
      return proc.running ? child?.pid : undefined;
    },
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    output: () => chunks.join(""),
    async kill(signal = "SIGTERM") {
      const current = child;
      if (!current || current.exitCode !== null || current.signalCode !== null) return;
      const exited = new Promise((resolve) => current.once("exit", resolve));
      current.kill(signal);
      const force = setTimeout(() => current.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(force);
    },
    restart: launch,
  };
  return proc;
}

export { repoRoot };
