import { describe, expect, it } from "vitest";
import { ConfigError, int, key256, readConfig, secret, str } from "./index.ts";

describe("readConfig", () => {
  it("reads typed values and defaults", () => {
    const config = readConfig({ name: str("NAME"), port: int("PORT", { default: 7 }) }, { NAME: "a" });
    expect(config).toEqual({ name: "a", port: 7 });
  });

  it("names every bad or missing variable at once and never echoes a secret", () => {
    const env = { PORT: "x", TOKEN: "short-secret" };
    let caught: unknown;
    try {
      readConfig(
        { name: str("NAME"), port: int("PORT"), token: secret("TOKEN", { minLength: 20 }), key: key256("KEY") },
        env,
      );
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as ConfigError).message;
    expect((caught as ConfigError).problems).toHaveLength(4);
    expect(message).toContain("NAME: is required");
    expect(message).toContain("PORT: must be an integer");
    expect(message).toContain("TOKEN: must be at least 20");
    expect(message).toContain("KEY: is required");
    expect(message).not.toContain("short-secret");
  });

  it("accepts a 256-bit key in hex or base64", () => {
    const hex = "ab".repeat(32);
    expect(readConfig({ k: key256("K") }, { K: hex }).k).toHaveLength(32);
    expect(readConfig({ k: key256("K") }, { K: Buffer.alloc(32, 1).toString("base64") }).k).toHaveLength(32);
    expect(() => readConfig({ k: key256("K") }, { K: "abcd" })).toThrow(/256-bit/);
  });
});
