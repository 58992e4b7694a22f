import { describe, expect, it } from "vitest";
import { ConfigError, databaseUrl, int, key256, readConfig, secret, str } from "./index.ts";

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

  it("checks a database URL's TLS parameters without echoing the URL", () => {
    const read = (url: string) => readConfig({ url: databaseUrl("DATABASE_URL") }, { DATABASE_URL: url }).url;
    const base = "postgres://app:pa55word@db.internal:5432/app";
    expect(read(`${base}?sslmode=verify-full&sslrootcert=system`)).toContain("sslmode=verify-full");
    expect(read(`${base}?sslmode=require&sslrootcert=${import.meta.filename}`)).toContain("sslmode=require");
    expect(() => read(`${base}?sslmode=verify`)).toThrow("DATABASE_URL: sslmode must be one of disable, allow");
    expect(() => read(`${base}?sslmode=verify-ca&sslrootcert=/missing/ca.crt`)).toThrow(
      "DATABASE_URL: sslrootcert: cannot read /missing/ca.crt (ENOENT)",
    );
    expect(() => read(`${base}?sslmode=verify`)).not.toThrow(/pa55word/);
  });
});
