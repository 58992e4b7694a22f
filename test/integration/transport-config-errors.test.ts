import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/service-process.ts";

const run = promisify(execFile);

/** Starts a service's main.ts with `env` and returns how it ended. */
async function start(main: string, env: Record<string, string>) {
  const { PATH, HOME } = process.env;
  return run(process.execPath, [`services/${main}/src/main.ts`], {
    cwd: repoRoot,
    env: { PATH, HOME, ...env },
    timeout: 60_000,
  }).then(
    () => ({ code: 0, stderr: "" }),
    (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
  );
}

describe("a service with a bad transport configuration", () => {
  it("exits with code 78 naming each variable at fault, never the NATS password", async () => {
    for (const main of ["secrets", "connector-worker"]) {
      const ended = await start(main, {
        SYNCLINE_TLS_CERT_FILE: "/nonexistent/server.crt",
        SYNCLINE_TLS_KEY_FILE: "/nonexistent/server.key",
        SYNCLINE_TLS_CA_FILE: "/nonexistent/ca.crt",
        SYNCLINE_NATS_USER: "worker",
        SYNCLINE_NATS_PASSWORD: "nats-password-canary",
      });
      expect(ended.code, main).toBe(78);
      expect(ended.stderr).toContain("SYNCLINE_TLS_CERT_FILE: cannot read /nonexistent/server.crt (ENOENT)");
      expect(ended.stderr).toContain("SYNCLINE_TLS_KEY_FILE: cannot read /nonexistent/server.key (ENOENT)");
      expect(ended.stderr).toContain("SYNCLINE_TLS_CA_FILE: cannot read /nonexistent/ca.crt (ENOENT)");
      expect(ended.stderr).not.toContain("nats-password-canary");
    }
  });
});
