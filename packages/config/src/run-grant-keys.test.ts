import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { type ConfigError, readConfig } from "./index.ts";
import { runGrantPublicKeys, runGrantSigningKey } from "./run-grant-keys.ts";

/** Run-grant keys from the environment: the forms operators paste, and clear errors that never echo a key. */
const shape = {
  signing: runGrantSigningKey("SYNCLINE_RUN_GRANT_SIGNING_KEY"),
  verifying: runGrantPublicKeys("SYNCLINE_RUN_GRANT_PUBLIC_KEYS"),
};
const { privateKey, publicKey } = generateKeyPairSync("ed25519");
const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
const spki = publicKey.export({ format: "der", type: "spki" });
const raw = spki.subarray(spki.length - 32);

describe("run-grant key configuration", () => {
  it("reads the signing key as PEM (also with \\n escapes), base64 of the PEM or base64 of the DER", () => {
    const der = privateKey.export({ format: "der", type: "pkcs8" }).toString("base64");
    for (const form of [pem, pem.replace(/\n/g, "\\n"), Buffer.from(pem).toString("base64"), der]) {
      const config = readConfig(shape, {
        SYNCLINE_RUN_GRANT_SIGNING_KEY: form,
        SYNCLINE_RUN_GRANT_PUBLIC_KEYS: spki.toString("base64"),
      });
      expect(config.signing.equals(privateKey)).toBe(true);
    }
  });

  it("reads public keys as a comma-separated list of base64 SPKI or raw keys", () => {
    const second = generateKeyPairSync("ed25519").publicKey;
    const list = `${raw.toString("base64")}, ${second.export({ format: "der", type: "spki" }).toString("base64")}`;
    const config = readConfig(shape, { SYNCLINE_RUN_GRANT_SIGNING_KEY: pem, SYNCLINE_RUN_GRANT_PUBLIC_KEYS: list });
    expect(config.verifying.map((key) => key.equals(publicKey) || key.equals(second))).toEqual([true, true]);
  });

  it("names each variable at fault, never the key", () => {
    const rsa = generateKeyPairSync("rsa", { modulusLength: 1024 }).privateKey.export({ format: "pem", type: "pkcs8" });
    const problems = (env: Record<string, string>) => {
      try {
        readConfig(shape, env);
      } catch (error) {
        return (error as ConfigError).problems;
      }
      return [];
    };
    expect(problems({})).toEqual([
      expect.stringMatching(/^SYNCLINE_RUN_GRANT_SIGNING_KEY: is required/),
      expect.stringMatching(/^SYNCLINE_RUN_GRANT_PUBLIC_KEYS: is required/),
    ]);
    const bad = problems({ SYNCLINE_RUN_GRANT_SIGNING_KEY: rsa.toString(), SYNCLINE_RUN_GRANT_PUBLIC_KEYS: "abc,%%" });
    expect(bad).toEqual([
      "SYNCLINE_RUN_GRANT_SIGNING_KEY: must be an Ed25519 key (openssl genpkey -algorithm ed25519), not rsa",
      expect.stringMatching(/^SYNCLINE_RUN_GRANT_PUBLIC_KEYS: key 1 is not a base64 Ed25519 public key/),
    ]);
    expect(bad.join(" ")).not.toContain("PRIVATE KEY");
  });
});
