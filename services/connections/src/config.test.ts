import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ConfigError, readConfig } from "@syncline/config";
import { describe, expect, it } from "vitest";
import { connectionsConfig, resolveCredentialKeys } from "./config.ts";

const base = {
  SYNCLINE_SERVICE_TOKEN: "s".repeat(40),
  SYNCLINE_RUN_GRANT_PUBLIC_KEYS: generateKeyPairSync("ed25519")
    .publicKey.export({ format: "der", type: "spki" })
    .toString("base64"),
};

describe("connections key configuration", () => {
  it("reads the root keys and the fingerprint key from variables or files", () => {
    const root = randomBytes(32);
    const previous = randomBytes(32);
    const fingerprint = randomBytes(32);
    const dir = mkdtempSync(join(tmpdir(), "connections-keys-"));
    try {
      writeFileSync(join(dir, "fingerprint"), fingerprint.toString("base64"));
      const env = {
        ...base,
        SYNCLINE_CONNECTIONS_ROOT_KEY: root.toString("hex"),
        SYNCLINE_CONNECTIONS_PREVIOUS_ROOT_KEY: previous.toString("hex"),
        SYNCLINE_CONNECTIONS_FINGERPRINT_KEY_FILE: join(dir, "fingerprint"),
      };
      const keys = resolveCredentialKeys(readConfig(connectionsConfig, env), env);
      expect(keys.rootKeys.current.equals(root)).toBe(true);
      expect(keys.rootKeys.previous).toEqual([previous]);
      expect(keys.fingerprintKey.equals(fingerprint)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("names every missing key at once, and the former variable, without echoing any key", () => {
    const old = randomBytes(32).toString("hex");
    const env = { ...base, SYNCLINE_CONNECTIONS_ENCRYPTION_KEY: old };
    let error: unknown;
    try {
      resolveCredentialKeys(readConfig(connectionsConfig, env), env);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toMatch(/SYNCLINE_CONNECTIONS_FINGERPRINT_KEY: is required/);
    expect(message).toMatch(
      /SYNCLINE_CONNECTIONS_ROOT_KEY: is required .*\(SYNCLINE_CONNECTIONS_ENCRYPTION_KEY is no longer read\)/,
    );
    expect(message).not.toContain(old);
  });
});
