import { createCipheriv, createDecipheriv, createSecretKey, randomFillSync } from "node:crypto";

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for values at rest. `associatedData` binds a ciphertext to its row (e.g. project,
 * secret, version): a ciphertext copied elsewhere fails to open. Output layout:
 * version(1) | iv(12) | tag(16) | ciphertext.
 */
export interface ValueCipher {
  seal(plaintext: string | Uint8Array, associatedData: string): Buffer;
  /** Throws when the key, the associated data or the bytes do not match. */
  open(sealed: Uint8Array, associatedData: string): Buffer;
}

/** Random IVs drawn from a pool refilled by the CSPRNG (one RNG call per 340 IVs, never reused). */
const ivPool = Buffer.alloc(IV_BYTES * 340);
let ivOffset = ivPool.length;
function nextIv(): Buffer {
  if (ivOffset + IV_BYTES > ivPool.length) {
    randomFillSync(ivPool);
    ivOffset = 0;
  }
  const iv = Buffer.from(ivPool.subarray(ivOffset, ivOffset + IV_BYTES));
  ivPool.fill(0, ivOffset, ivOffset + IV_BYTES);
  ivOffset += IV_BYTES;
  return iv;
}

/** Creates a cipher over a 32-byte key. */
export function createValueCipher(rawKey: Uint8Array): ValueCipher {
  if (rawKey.length !== 32) throw new Error("value cipher needs a 32-byte key");
  const key = createSecretKey(Buffer.from(rawKey));
  return {
    seal(plaintext, associatedData) {
      const iv = nextIv();
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(associatedData, "utf8"));
      const body = Buffer.concat([
        cipher.update(typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext),
        cipher.final(),
      ]);
      return Buffer.concat([Buffer.from([FORMAT_VERSION]), iv, cipher.getAuthTag(), body]);
    },
    open(sealed, associatedData) {
      const bytes = Buffer.from(sealed);
      if (bytes.length < 1 + IV_BYTES + TAG_BYTES || bytes[0] !== FORMAT_VERSION) {
        throw new Error("sealed value has an unknown format");
      }
      const iv = bytes.subarray(1, 1 + IV_BYTES);
      const tag = bytes.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
      const decipher = createDecipheriv("aes-256-gcm", key, iv);
      decipher.setAAD(Buffer.from(associatedData, "utf8"));
      decipher.setAuthTag(tag);
      return Buffer.concat([decipher.update(bytes.subarray(1 + IV_BYTES + TAG_BYTES)), decipher.final()]);
    },
  };
}
