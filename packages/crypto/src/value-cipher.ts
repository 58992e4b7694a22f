import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

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

/** Creates a cipher over a 32-byte key. */
export function createValueCipher(key: Uint8Array): ValueCipher {
  if (key.length !== 32) throw new Error("value cipher needs a 32-byte key");
  return {
    seal(plaintext, associatedData) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      cipher.setAAD(Buffer.from(associatedData, "utf8"));
      const body = Buffer.concat([cipher.update(typeof plaintext === "string" ? Buffer.from(plaintext, "utf8") : plaintext), cipher.final()]);
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
