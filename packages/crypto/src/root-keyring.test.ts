import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createRootKeyring, generateDataKey, rootKeyId, UnknownRootKeyError } from "./index.ts";

describe("root keyring", () => {
  const oldRoot = randomBytes(32);
  const newRoot = randomBytes(32);

  it("wraps a data key under the current root key and unwraps it for the same context only", () => {
    const keyring = createRootKeyring(oldRoot);
    const dataKey = generateDataKey();
    const wrapped = keyring.wrap(dataKey, "project-a");
    expect(wrapped.rootKeyId).toBe(rootKeyId(oldRoot));
    expect(wrapped.wrapped.includes(dataKey)).toBe(false);
    expect(keyring.unwrap(wrapped, "project-a").equals(dataKey)).toBe(true);
    expect(() => keyring.unwrap(wrapped, "project-b")).toThrow();
  });

  it("unwraps with a previous root key during a rotation, and names a root key it does not hold", () => {
    const dataKey = generateDataKey();
    const wrappedByOld = createRootKeyring(oldRoot).wrap(dataKey, "p");
    const rotating = createRootKeyring(newRoot, [oldRoot]);
    expect(rotating.unwrap(wrappedByOld, "p").equals(dataKey)).toBe(true);
    const rewrapped = rotating.wrap(dataKey, "p");
    expect(rewrapped.rootKeyId).toBe(rootKeyId(newRoot));
    expect(createRootKeyring(newRoot).unwrap(rewrapped, "p").equals(dataKey)).toBe(true);
    expect(() => createRootKeyring(newRoot).unwrap(wrappedByOld, "p")).toThrow(UnknownRootKeyError);
    // A forged id does not help: the bytes must open under the key the id names.
    expect(() =>
      createRootKeyring(oldRoot).unwrap({ rootKeyId: rootKeyId(oldRoot), wrapped: rewrapped.wrapped }, "p"),
    ).toThrow();
  });

  it("gives different ids to different root keys and never contains the key", () => {
    expect(rootKeyId(oldRoot)).not.toBe(rootKeyId(newRoot));
    expect(rootKeyId(oldRoot)).toMatch(/^[0-9a-f]{16}$/);
    expect(oldRoot.toString("hex")).not.toContain(rootKeyId(oldRoot));
  });
});
