import { randomBytes, randomUUID } from "node:crypto";
import { create, toBinary } from "@bufbuild/protobuf";
import { createValueCipher, rootKeyId, UnknownRootKeyError } from "@syncline/crypto";
import { ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { createCredentialSealer, SINGLE_KEY_SEALED } from "./credential-sealer.ts";

const credentials = (token: string) =>
  create(ConnectionCredentialsSchema, {
    app: { case: "vault", value: { instanceUrl: "https://vault:8200", method: { case: "token", value: { token } } } },
  });

const keys = (current = randomBytes(32), previous: Buffer[] = []) => ({ current, previous });

/** Seals the way connections did before envelope encryption: directly under the one key. */
const sealSingleKey = (key: Buffer, connectionId: string, token: string) =>
  createValueCipher(key).seal(
    toBinary(ConnectionCredentialsSchema, credentials(token)),
    `syncline/connection/${connectionId}`,
  );

describe("credential sealer", () => {
  const rootKey = randomBytes(32);
  const fingerprintKey = randomBytes(32);
  const sealer = createCredentialSealer(keys(rootKey), fingerprintKey);

  it("round-trips credentials under a data key wrapped by the current root key, and hides them", () => {
    const id = randomUUID();
    const sealed = sealer.seal(id, credentials("s3cr3t-token-value"));
    expect(sealed.rootKeyId).toBe(rootKeyId(rootKey));
    expect(sealer.currentRootKeyId).toBe(rootKeyId(rootKey));
    expect(sealed.sealed.toString("latin1")).not.toContain("s3cr3t-token-value");
    expect(sealed.wrappedDataKey.toString("latin1")).not.toContain("s3cr3t-token-value");
    expect(sealed.sealed.includes(rootKey)).toBe(false);
    expect(sealer.open(id, sealed)).toEqual(credentials("s3cr3t-token-value"));
  });

  it("refuses to open under another connection id or another root key, without echoing the credentials", () => {
    const id = randomUUID();
    const sealed = sealer.seal(id, credentials("s3cr3t-token-value"));
    expect(() => sealer.open(randomUUID(), sealed)).toThrow(/cannot open the sealed credentials/);
    const other = createCredentialSealer(keys(), fingerprintKey);
    expect(() => other.open(id, sealed)).toThrow(
      /wrapped by root key [0-9a-f]{16}, which is not SYNCLINE_CONNECTIONS_ROOT_KEY/,
    );
    expect(() => other.open(id, sealed)).not.toThrow(/s3cr3t/);
    const swapped = { ...sealed, wrappedDataKey: sealer.seal(randomUUID(), credentials("x")).wrappedDataKey };
    expect(() => sealer.open(id, swapped)).toThrow(/is not the key they were sealed with, or the row was altered/);
  });

  it("opens rows sealed before envelope encryption under the current or previous root key", () => {
    const oldKey = randomBytes(32);
    const id = randomUUID();
    const stored = { sealed: sealSingleKey(oldKey, id, "old-token"), rootKeyId: null, wrappedDataKey: null };
    expect(createCredentialSealer(keys(oldKey), fingerprintKey).open(id, stored)).toEqual(credentials("old-token"));
    const rotated = createCredentialSealer(keys(randomBytes(32), [oldKey]), fingerprintKey);
    expect(rotated.open(id, stored)).toEqual(credentials("old-token"));
    expect(() => sealer.open(id, stored)).toThrow(/cannot open the sealed credentials/);
  });

  it("re-wraps under the new root key so the old one can be dropped; re-seals single-key rows", () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const id = randomUUID();
    const before = createCredentialSealer(keys(oldKey), fingerprintKey).seal(id, credentials("token-a"));
    const rotating = createCredentialSealer(keys(newKey, [oldKey]), fingerprintKey);
    const after = rotating.rewrap(id, before);
    expect(after.rootKeyId).toBe(rootKeyId(newKey));
    expect(after.sealed).toEqual(before.sealed);
    const newOnly = createCredentialSealer(keys(newKey), fingerprintKey);
    expect(newOnly.open(id, after)).toEqual(credentials("token-a"));
    expect(() => newOnly.open(id, before)).toThrow(/which is not SYNCLINE_CONNECTIONS_ROOT_KEY/);

    const single = { sealed: sealSingleKey(oldKey, id, "token-b"), rootKeyId: null, wrappedDataKey: null };
    const resealed = rotating.rewrap(id, single);
    expect(resealed.rootKeyId).toBe(rootKeyId(newKey));
    expect(newOnly.open(id, resealed)).toEqual(credentials("token-b"));
    expect(() => newOnly.rewrap(id, single)).toThrow(UnknownRootKeyError);
    try {
      newOnly.rewrap(id, single);
    } catch (error) {
      expect((error as UnknownRootKeyError).rootKeyId).toBe(SINGLE_KEY_SEALED);
    }
  });

  it("fingerprints by content under the fingerprint key, the same across root keys, ignoring unknown fields", () => {
    const a = sealer.seal(randomUUID(), credentials("token-a")).fingerprint;
    expect(sealer.seal(randomUUID(), credentials("token-a")).fingerprint).toBe(a);
    expect(sealer.seal(randomUUID(), credentials("token-b")).fingerprint).not.toBe(a);
    expect(createCredentialSealer(keys(), fingerprintKey).seal(randomUUID(), credentials("token-a")).fingerprint).toBe(
      a,
    );
    expect(
      createCredentialSealer(keys(rootKey), randomBytes(32)).seal(randomUUID(), credentials("token-a")).fingerprint,
    ).not.toBe(a);

    const withUnknown = credentials("token-a");
    withUnknown.$unknown = [{ no: 99, wireType: 2, data: new Uint8Array([1, 120]) }];
    const id = randomUUID();
    const sealed = sealer.seal(id, withUnknown);
    expect(sealed.fingerprint).toBe(a);
    expect(toBinary(ConnectionCredentialsSchema, sealer.open(id, sealed))).toEqual(
      toBinary(ConnectionCredentialsSchema, credentials("token-a")),
    );
  });
});
