import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, readConfig } from "@syncline/config";
import { afterAll, describe, expect, it } from "vitest";
import { resolveRootKeys, rootKeyConfig } from "./config.ts";

const dir = mkdtempSync(join(tmpdir(), "syncline-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const keysFrom = (env: Record<string, string>) => resolveRootKeys(readConfig(rootKeyConfig, env), env);
const problems = (env: Record<string, string>) => {
  try {
    keysFrom(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  throw new Error("expected a configuration error");
};

describe("root key configuration", () => {
  const current = randomBytes(32);
  const previous = randomBytes(32);

  it("reads the root key from the variable or from a file, and the previous key when given", () => {
    const file = join(dir, "root.key");
    writeFileSync(file, `${current.toString("base64")}\n`);
    expect(keysFrom({ SYNCLINE_SECRETS_ROOT_KEY: current.toString("hex") }).current.equals(current)).toBe(true);
    const fromFile = keysFrom({
      SYNCLINE_SECRETS_ROOT_KEY_FILE: file,
      SYNCLINE_SECRETS_PREVIOUS_ROOT_KEY: previous.toString("hex"),
    });
    expect(fromFile.current.equals(current)).toBe(true);
    expect(fromFile.previous.map((k) => k.toString("hex"))).toEqual([previous.toString("hex")]);
    expect(
      keysFrom({
        SYNCLINE_SECRETS_ROOT_KEY: current.toString("hex"),
        SYNCLINE_SECRETS_PREVIOUS_ROOT_KEY: current.toString("hex"),
      }).previous,
    ).toEqual([]);
  });

  it("names every variable at fault, never a key", () => {
    const bad = join(dir, "bad.key");
    writeFileSync(bad, "not a key");
    const hex = current.toString("hex");
    expect(problems({})).toEqual([expect.stringMatching(/^SYNCLINE_SECRETS_ROOT_KEY: is required/)]);
    expect(problems({ SYNCLINE_SECRETS_ENCRYPTION_KEY: hex })[0]).toContain(
      "SYNCLINE_SECRETS_ENCRYPTION_KEY is no longer read",
    );
    expect(problems({ SYNCLINE_SECRETS_ROOT_KEY: hex, SYNCLINE_SECRETS_ROOT_KEY_FILE: bad })[0]).toContain("both set");
    expect(problems({ SYNCLINE_SECRETS_ROOT_KEY_FILE: bad })[0]).toMatch(
      /^SYNCLINE_SECRETS_ROOT_KEY_FILE: the file does not hold a 256-bit key/,
    );
    expect(problems({ SYNCLINE_SECRETS_ROOT_KEY_FILE: join(dir, "missing") })[0]).toContain(
      "cannot read the file (ENOENT)",
    );
    expect(() => readConfig(rootKeyConfig, { SYNCLINE_SECRETS_ROOT_KEY: "short" })).toThrow(
      /SYNCLINE_SECRETS_ROOT_KEY: must be a 256-bit key/,
    );
    const all = problems({
      SYNCLINE_SECRETS_ROOT_KEY_FILE: bad,
      SYNCLINE_SECRETS_PREVIOUS_ROOT_KEY_FILE: join(dir, "missing"),
    });
    expect(all).toHaveLength(2);
    expect(all.join("\n")).not.toContain(hex);
  });
});
