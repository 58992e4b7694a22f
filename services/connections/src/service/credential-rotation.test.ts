import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { create, toBinary } from "@bufbuild/protobuf";
import { createValueCipher, rootKeyId } from "@syncline/crypto";
import type { DatabaseHandle } from "@syncline/db";
import { ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { openTestDatabase } from "@syncline/test/support/test-databases.ts";
import { asc, eq } from "drizzle-orm";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { insertConnection } from "../store/connection-store.ts";
import { appConnections } from "../store/schema.ts";
import { rewrapAllCredentials } from "./credential-rotation.ts";
import { createCredentialSealer, SINGLE_KEY_SEALED, type CredentialSealer } from "./credential-sealer.ts";

const credentials = (token: string) =>
  create(ConnectionCredentialsSchema, {
    app: { case: "vault", value: { instanceUrl: "https://vault:8200", method: { case: "token", value: { token } } } },
  });

const fingerprintKey = randomBytes(32);
const projectId = randomUUID();
let handle: DatabaseHandle;

beforeAll(async () => {
  handle = await openTestDatabase(
    "connections_rotation",
    fileURLToPath(new URL("../store/migrations", import.meta.url)),
  );
});

afterAll(async () => {
  await handle?.close();
});

beforeEach(async () => {
  await handle.db.delete(appConnections);
});

/** Stores a connection sealed by `sealer` with a canary token; returns its id. */
async function storeSealed(sealer: CredentialSealer, token: string): Promise<string> {
  const id = randomUUID();
  const { sealed, rootKeyId: keyId, wrappedDataKey, fingerprint } = sealer.seal(id, credentials(token));
  await insertConnection(handle.db, {
    id,
    projectId,
    name: `c-${id}`,
    app: 1,
    method: 1,
    sealedCredentials: sealed,
    rootKeyId: keyId,
    wrappedDataKey,
    redacted: {},
    fingerprint,
  });
  return id;
}

/** Stores a connection sealed the way it was before envelope encryption, directly under `key`. */
async function storeSingleKey(key: Buffer, token: string): Promise<string> {
  const id = randomUUID();
  const bytes = toBinary(ConnectionCredentialsSchema, credentials(token));
  await insertConnection(handle.db, {
    id,
    projectId,
    name: `c-${id}`,
    app: 1,
    method: 1,
    sealedCredentials: createValueCipher(key).seal(bytes, `syncline/connection/${id}`),
    redacted: {},
    fingerprint: "fp-before",
  });
  return id;
}

const rows = () => handle.db.select().from(appConnections).orderBy(asc(appConnections.id));

const stored = (row: typeof appConnections.$inferSelect) => ({
  sealed: row.sealedCredentials,
  rootKeyId: row.rootKeyId,
  wrappedDataKey: row.wrappedDataKey,
});

describe("root key rotation of connection credentials", () => {
  it("re-wraps every row in batches (single-key rows re-sealed), keeps fingerprints, and then needs no old key", async () => {
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const before = createCredentialSealer({ current: oldKey, previous: [] }, fingerprintKey);
    const tokens = ["canary-token-1", "canary-token-2", "canary-token-3", "canary-token-4"];
    const ids = new Map<string, string>();
    for (const token of tokens.slice(0, 3)) ids.set(await storeSealed(before, token), token);
    ids.set(await storeSingleKey(oldKey, tokens[3]!), tokens[3]!);
    const fingerprints = new Map((await rows()).map((row) => [row.id, row.fingerprint]));

    const rotating = createCredentialSealer({ current: newKey, previous: [oldKey] }, fingerprintKey);
    expect(await rewrapAllCredentials(handle.db, rotating, { batch: 3 })).toEqual({
      rewrapped: 4,
      unknownRootKey: 0,
      unknownRootKeyIds: [],
    });
    expect(await rewrapAllCredentials(handle.db, rotating, { batch: 3 })).toEqual({
      rewrapped: 0,
      unknownRootKey: 0,
      unknownRootKeyIds: [],
    });

    const newOnly = createCredentialSealer({ current: newKey, previous: [] }, fingerprintKey);
    for (const row of await rows()) {
      expect(row.rootKeyId).toBe(rootKeyId(newKey));
      expect(row.fingerprint).toBe(fingerprints.get(row.id));
      expect(newOnly.open(row.id, stored(row))).toEqual(credentials(ids.get(row.id)!));
      for (const column of [row.sealedCredentials, row.wrappedDataKey!]) {
        for (const token of tokens) expect(column.toString("latin1")).not.toContain(token);
        expect(column.includes(oldKey) || column.includes(newKey)).toBe(false);
      }
    }
  });

  it("counts and leaves rows under a root key it does not hold, and single-key rows no key opens", async () => {
    const stranger = createCredentialSealer({ current: randomBytes(32), previous: [] }, fingerprintKey);
    const keyring = createCredentialSealer({ current: randomBytes(32), previous: [] }, fingerprintKey);
    const foreign = await storeSealed(stranger, "canary-foreign");
    await storeSingleKey(randomBytes(32), "canary-single");
    const counts = await rewrapAllCredentials(handle.db, keyring);
    expect(counts.rewrapped).toBe(0);
    expect(counts.unknownRootKey).toBe(2);
    expect(new Set(counts.unknownRootKeyIds)).toEqual(new Set([stranger.currentRootKeyId, SINGLE_KEY_SEALED]));
    const [row] = await handle.db.select().from(appConnections).where(eq(appConnections.id, foreign));
    expect(row!.rootKeyId).toBe(stranger.currentRootKeyId);
  });

  it("stops at an altered row, keeps what earlier batches did, and resumes after it is fixed", async () => {
    const oldKey = randomBytes(32);
    const before = createCredentialSealer({ current: oldKey, previous: [] }, fingerprintKey);
    for (let i = 0; i < 5; i++) await storeSealed(before, `canary-${i}`);
    const all = await rows();
    const altered = all[3]!;
    const flipped = Buffer.from(altered.wrappedDataKey!);
    flipped[flipped.length - 1]! ^= 1;
    await handle.db.update(appConnections).set({ wrappedDataKey: flipped }).where(eq(appConnections.id, altered.id));

    const rotating = createCredentialSealer({ current: randomBytes(32), previous: [oldKey] }, fingerprintKey);
    await expect(rewrapAllCredentials(handle.db, rotating, { batch: 2 })).rejects.toThrow(
      new RegExp(`connection ${altered.id} do not open`),
    );
    const afterFailure = await rows();
    expect(afterFailure.slice(0, 2).map((row) => row.rootKeyId)).toEqual([
      rotating.currentRootKeyId,
      rotating.currentRootKeyId,
    ]);
    expect(afterFailure.slice(2).map((row) => row.rootKeyId)).toEqual([oldKey, oldKey, oldKey].map(rootKeyId));

    await handle.db.delete(appConnections).where(eq(appConnections.id, altered.id));
    expect((await rewrapAllCredentials(handle.db, rotating, { batch: 2 })).rewrapped).toBe(2);
  });
});
