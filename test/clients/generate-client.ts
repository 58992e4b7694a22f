import { execFile } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

/** The repository root: buf templates name their inputs relative to it. */
export const repositoryRoot = resolve(import.meta.dirname, "../..");

/** Runs `file` with `args`; rejects with its stderr when it exits non-zero. */
export async function run(
  file: string,
  args: readonly string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)(file, args, {
      cwd: options.cwd ?? repositoryRoot,
      env: options.env ?? process.env,
      timeout: options.timeoutMs ?? 120_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout;
  } catch (error) {
    const failed = error as { code?: unknown; stdout?: string; stderr?: string; message: string };
    if (failed.code === "ENOENT") throw new Error(`${file} is not installed: run bash deploy/local/ensure-clients.sh`);
    throw new Error(
      `${file} ${args.join(" ")} failed: ${failed.message}\n${failed.stdout ?? ""}${failed.stderr ?? ""}`,
    );
  }
}

/**
 * Generates a client with the buf template `proto/<template>` into a fresh temporary directory, as
 * docs/clients.md tells users to (`buf generate --template … -o <dir>`), and returns the directory.
 */
export async function generateClient(template: string, into = mkdtempSync(join(tmpdir(), "syncline-client-"))) {
  await run(join(repositoryRoot, "node_modules/.bin/buf"), ["generate", "--template", `proto/${template}`, "-o", into]);
  return into;
}
