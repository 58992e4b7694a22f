import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../support/service-process.ts";

/** The API contract: protos lint clean (buf STANDARD) and the generated code is what buf generates now. */
const buf = join(repoRoot, "node_modules", ".bin", "buf");
const scratch = mkdtempSync(join(tmpdir(), "syncline-gen-"));

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

describe("proto contract", () => {
  it("passes buf lint", () => {
    expect(() => execFileSync(buf, ["lint", "proto"], { cwd: repoRoot, stdio: "pipe" })).not.toThrow();
  });

  it("has generated code that is up to date with the protos", () => {
    const template = readFileSync(join(repoRoot, "proto", "buf.gen.yaml"), "utf8").replace(
      "out: packages/gen/src",
      `out: ${join(scratch, "gen")}`,
    );
    writeFileSync(join(scratch, "buf.gen.yaml"), template);
    execFileSync(buf, ["generate", "proto", "--template", join(scratch, "buf.gen.yaml")], {
      cwd: repoRoot,
      stdio: "pipe",
    });
    const fresh = join(scratch, "gen");
    const committed = join(repoRoot, "packages", "gen", "src");
    const freshFiles = listFiles(fresh)
      .map((f) => relative(fresh, f))
      .sort();
    const committedFiles = listFiles(committed)
      .map((f) => relative(committed, f))
      .sort();
    expect(committedFiles, "run `npm run generate` and commit packages/gen").toEqual(freshFiles);
    for (const file of freshFiles) {
      expect(readFileSync(join(committed, file), "utf8"), `${file} is stale: run \`npm run generate\``).toBe(
        readFileSync(join(fresh, file), "utf8"),
      );
    }
  });
});
