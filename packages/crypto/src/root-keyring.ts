import { createHmac, randomBytes } from "node:crypto";
import { createValueCipher, type ValueCipher } from "./value-cipher.ts";

/** Bytes in a data key (AES-256). */
export const DATA_KEY_BYTES = 32;

/**
 * Names a root key without revealing it (first 16 hex characters of an HMAC under the key), so a
 * wrapped data key records which root key wrapped it and a rotation can tell old from new.
 */
export function rootKeyId(rootKey: Uint8Array): string {
  return createHmac("sha256", rootKey).update("syncline/root-key-id/v1").digest("hex").slice(0, 16);
}

/** A data key sealed by a root key, with the id of that root key. */
export interface WrappedDataKey {
  readonly rootKeyId: string;
  readonly wrapped: Buffer;
}

/** Thrown when a data key was wrapped by a root key this keyring does not hold. */
export class UnknownRootKeyError extends Error {
  readonly rootKeyId: string;
  constructor(rootKeyId: string, known: readonly string[]) {
    super(`data key is wrapped by root key ${rootKeyId}, which is not configured (configured: ${known.join(", ")})`);
    this.name = "UnknownRootKeyError";
    this.rootKeyId = rootKeyId;
  }
}

/**
 * Envelope encryption's top layer: the current root key wraps new data keys; older root keys
 * (during a rotation window) can still unwrap what they wrapped. `context` is bound as associated
 * data (e.g. the project id), so a wrapped key copied to another owner fails to unwrap.
 */
export interface RootKeyring {
  readonly currentId: string;
  /** Ids of every root key held (current first). */
  readonly knownIds: readonly string[];
  wrap(dataKey: Uint8Array, context: string): WrappedDataKey;
  /** Throws UnknownRootKeyError for a root key not held, or an Error when the bytes or context do not match. */
  unwrap(key: WrappedDataKey, context: string): Buffer;
}

/** Creates a keyring over 32-byte root keys: `current` wraps, `current` and `previous` unwrap. */
export function createRootKeyring(current: Uint8Array, previous: readonly Uint8Array[] = []): RootKeyring {
  const ciphers = new Map<string, ValueCipher>();
  for (const key of [current, ...previous]) ciphers.set(rootKeyId(key), createValueCipher(key));
  const currentId = rootKeyId(current);
  const aad = (context: string) => `syncline/data-key/${context}`;
  return {
    currentId,
    knownIds: [...ciphers.keys()],
    wrap(dataKey, context) {
      if (dataKey.length !== DATA_KEY_BYTES) throw new Error(`a data key has ${DATA_KEY_BYTES} bytes`);
      return { rootKeyId: currentId, wrapped: ciphers.get(currentId)!.seal(dataKey, aad(context)) };
    },
    unwrap(key, context) {
      const cipher = ciphers.get(key.rootKeyId);
      if (!cipher) throw new UnknownRootKeyError(key.rootKeyId, [...ciphers.keys()]);
      const dataKey = cipher.open(key.wrapped, aad(context));
      if (dataKey.length !== DATA_KEY_BYTES) throw new Error("unwrapped data key has the wrong length");
      return dataKey;
    },
  };
}

/** A fresh random data key. */
export function generateDataKey(): Buffer {
  return randomBytes(DATA_KEY_BYTES);
}
