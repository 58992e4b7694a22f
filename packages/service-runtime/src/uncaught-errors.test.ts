import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDatabaseDriverFault } from "./uncaught-errors.ts";

// A stand-in for postgres.js at the path the driver has in node_modules, failing as 3.4.9 does after a
// lost connection (porsager/postgres#1154): `socket.write` on a socket it already set to null, from a
// setImmediate, so no caller's await or try/catch can catch it.
const DRIVER_SOURCE = `
let socket = null;
export function writeSoon() { setImmediate(function nextWrite() { socket.write(Buffer.alloc(1)); }); }
export function writeNow() { socket.write(Buffer.alloc(1)); }
`;

let dir: string;
let driverUrl: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "syncline-uncaught-"));
  const driverDir = join(dir, "node_modules", "postgres", "src");
  mkdirSync(driverDir, { recursive: true });
  writeFileSync(join(driverDir, "connection.js"), DRIVER_SOURCE);
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }');
  driverUrl = pathToFileURL(join(driverDir, "connection.js")).href;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a service through `runService` whose start function schedules `crash` (JavaScript source). */
async function runCrashingService(crash: string) {
  const runtime = pathToFileURL(join(import.meta.dirname, "index.ts")).href;
  const script = join(dir, `service-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(
    script,
    `import { runService } from ${JSON.stringify(runtime)};
import { writeSoon } from ${JSON.stringify(driverUrl)};
runService("crash-test", async () => { setTimeout(() => { ${crash} }, 50); return async () => {}; });
setTimeout(() => {}, 60_000);
`,
  );
  const child = spawn(process.execPath, [script], { env: { ...process.env, LOG_LEVEL: "info" }, stdio: "pipe" });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once("exit", (exitCode) => resolve(exitCode)));
  const lines = stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
  return { code, stderr, fatal: lines.filter((line) => line.level === 60) };
}

describe("uncaught errors", () => {
  it("recognises an error thrown inside the PostgreSQL driver, and only such an error", async () => {
    const driver = (await import(driverUrl)) as { writeNow(): void };
    const thrown = (fn: () => void) => {
      try {
        fn();
      } catch (error) {
        return error;
      }
      throw new Error("did not throw");
    };
    expect(isDatabaseDriverFault(thrown(() => driver.writeNow()))).toBe(true);
    expect(isDatabaseDriverFault(thrown(() => (null as unknown as { write(): void }).write()))).toBe(false);
    expect(isDatabaseDriverFault("Cannot read properties of null (reading 'write')")).toBe(false);
    const elsewhere = new TypeError("x");
    elsewhere.stack = "TypeError: x\n    at parse (/app/node_modules/postgres-array/index.js:1:1)";
    expect(isDatabaseDriverFault(elsewhere)).toBe(false);
  });

  it("exits with code 1 and one fatal line naming the driver when postgres.js fails outside any await", async () => {
    const { code, stderr, fatal } = await runCrashingService("writeSoon();");
    expect(code).toBe(1);
    expect(fatal).toEqual([
      expect.objectContaining({
        service: "crash-test",
        driver: "postgres",
        reason: "Cannot read properties of null (reading 'write')",
        msg: "PostgreSQL driver failed after a lost database connection; exiting for a restart",
      }),
    ]);
    // Node's default would print the driver's source line and stack on stderr instead.
    expect(stderr).not.toContain("socket.write");
    expect(stderr).not.toContain("connection.js");
  }, 60_000);

  it("logs any other uncaught exception as a fatal line with the error and exits with code 1", async () => {
    const { code, fatal } = await runCrashingService('throw new RangeError("boom");');
    expect(code).toBe(1);
    expect(fatal).toEqual([
      expect.objectContaining({
        msg: "uncaught exception; exiting for a restart",
        err: expect.objectContaining({ type: "RangeError", message: "boom" }),
      }),
    ]);
  }, 60_000);
});
