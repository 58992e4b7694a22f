import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createValueCipher } from "./index.ts";

describe("value cipher", () => {
  const cipher = createValueCipher(randomBytes(32));

  it("round-trips and never stores the plaintext", () => {
    const sealed = cipher.seal("canary-value", "project:p/secret:s/version:1");
    expect(sealed.toString("latin1")).not.toContain("canary-value");
    expect(cipher.open(sealed, "project:p/secret:s/version:1").toString()).toBe("canary-value");
  });

  it("refuses a ciphertext moved to another row, a tampered one, or another key", () => {
    const sealed = cipher.seal("v", "row:1");
    expect(() => cipher.open(sealed, "row:2")).toThrow();
    const tampered = Buffer.from(sealed);
    tampered[tampered.length - 1]! ^= 1;
    expect(() => cipher.open(tampered, "row:1")).toThrow();
    expect(() => createValueCipher(randomBytes(32)).open(sealed, "row:1")).toThrow();
  });
});
