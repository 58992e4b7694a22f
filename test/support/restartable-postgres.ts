import { execFile as execFileCallback, execFileSync } from "node:child_process";
import { chmodSync, chownSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import postgres from "postgres";
import { freePort } from "./free-port.ts";

const execFile = promisify(execFileCallback);

/**
 * A PostgreSQL server of its own (initdb in a temporary folder, a free loopback port, trust auth)
 * that can be crashed and started again on the same port and data, so a test sees what a database
 * outage looks like to the services connected to it. The machine's PostgreSQL is never touched.
 */
export interface RestartablePostgres {
  readonly port: number;
  readonly running: boolean;
  /** Creates a database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** Stops the server: `immediate` (default) is a crash (every backend killed, recovery on start). */
  stop(mode?: "immediate" | "fast"): Promise<void>;
  /** Starts it again on the same port and data directory; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Stops it for good and removes its folder. */
  destroy(): Promise<void>;
}

/** The newest installed PostgreSQL's binaries (`/usr/lib/postgresql/<version>/bin`), or `$SYNCLINE_PG_BIN`. */
export function postgresBinDir(): string {
  if (process.env.SYNCLINE_PG_BIN) return process.env.SYNCLINE_PG_BIN;
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))) : [];
  const newest = versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))[0];
  if (!newest)
    throw new Error(
      "no PostgreSQL binaries under /usr/lib/postgresql/*/bin; install the Debian package postgresql " +
        "or set SYNCLINE_PG_BIN",
    );
  return join(root, newest, "bin");
}

/** initdb and pg_ctl refuse to run as root: as root, run them as the `postgres` user. */
function asServerUser(binary: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", binary, ...args]] : [binary, args];
}

/**
 * Runs initdb in a new temporary folder and starts the server on a free port; with `tls` (PEM
 * files) it also accepts TLS connections (`ssl = on`) with that certificate.
 */
export async function startRestartablePostgres(
  settings: { tls?: { certFile: string; keyFile: string } } = {},
): Promise<RestartablePostgres> {
  const bin = postgresBinDir();
  const root = mkdtempSync(join(tmpdir(), "syncline-pg-"));
  const dataDir = join(root, "data");
  const socketDir = join(root, "socket");
  mkdirSync(socketDir);
  const tlsFiles = settings.tls ? { certFile: join(root, "server.crt"), keyFile: join(root, "server.key") } : undefined;
  if (settings.tls && tlsFiles) {
    copyFileSync(settings.tls.certFile, tlsFiles.certFile);
    copyFileSync(settings.tls.keyFile, tlsFiles.keyFile);
    chmodSync(tlsFiles.keyFile, 0o600); // PostgreSQL refuses a key others can read
  }
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    chownSync(root, uid, gid);
    chownSync(socketDir, uid, gid);
    if (tlsFiles) for (const file of Object.values(tlsFiles)) chownSync(file, uid, gid);
  }
  const run = async (binary: string, args: string[]) => {
    const [command, argv] = asServerUser(join(bin, binary), args);
    try {
      await execFile(command, argv, { cwd: root, timeout: 60_000 });
    } catch (error) {
      const { stderr, stdout } = error as { stderr?: string; stdout?: string };
      throw new Error(`${binary} failed: ${stderr || stdout || (error as Error).message}`);
    }
  };
  await run("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const tlsOptions = tlsFiles
    ? ` -c ssl=on -c ssl_cert_file=${tlsFiles.certFile} -c ssl_key_file=${tlsFiles.keyFile}`
    : "";
  const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${socketDir} -c fsync=off -c max_connections=300${tlsOptions}`;
  let running = false;

  const start = async () => {
    await run("pg_ctl", ["-D", dataDir, "-l", join(root, "server.log"), "-w", "-t", "60", "-o", options, "start"]);
    running = true;
  };
  const stop = async (mode: "immediate" | "fast" = "immediate") => {
    if (!running) return;
    await run("pg_ctl", ["-D", dataDir, "-m", mode, "-w", "-t", "60", "stop"]);
    running = false;
  };
  await start();

  const adminUrl = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    port,
    get running() {
      return running;
    },
    async createDatabase(name) {
      const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
      try {
        await admin.unsafe(`CREATE DATABASE "${name.replace(/[^a-z0-9_]/g, "_")}"`);
      } finally {
        await admin.end();
      }
      return `postgres://postgres@127.0.0.1:${port}/${name.replace(/[^a-z0-9_]/g, "_")}`;
    },
    stop,
    start,
    async destroy() {
      await stop("fast").catch(() => stop("immediate"));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
