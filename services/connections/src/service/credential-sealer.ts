import { hkdfSync } from "node:crypto";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import { createFingerprinter, createValueCipher } from "@syncline/crypto";
import {
  ConnectionCredentialsSchema,
  type ConnectionCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";

/** What the store keeps instead of credentials: the sealed bytes and their keyed fingerprint. */
export interface SealedCredentials {
  readonly sealed: Buffer;
  readonly fingerprint: string;
}

/** Seals, opens and fingerprints connection credentials; the only place that sees their bytes. */
export interface CredentialSealer {
  /** Seals the credentials for connection `connectionId`; the ciphertext opens only for that id. */
  seal(connectionId: string, credentials: ConnectionCredentials): SealedCredentials;
  /** Opens what `seal` produced for the same id; throws on a wrong key, id or tampered bytes. */
  open(connectionId: string, sealed: Uint8Array): ConnectionCredentials;
}

const FINGERPRINT_KEY_INFO = "syncline/connections/credentials-fingerprint/v1";

/**
 * Creates the sealer over the deployment's 256-bit key. Credentials are the binary protobuf
 * message (unknown fields dropped, so the bytes and the fingerprint depend only on what Syncline
 * understands), sealed with AES-256-GCM under associated data `syncline/connection/<id>`. The
 * fingerprint is HMAC-SHA-256 under a key derived from the encryption key with HKDF, so it is
 * stable per deployment, changes with the credentials, and cannot be checked offline without the key.
 */
export function createCredentialSealer(encryptionKey: Uint8Array): CredentialSealer {
  const cipher = createValueCipher(encryptionKey);
  const fingerprinter = createFingerprinter(
    Buffer.from(hkdfSync("sha256", encryptionKey, Buffer.alloc(0), FINGERPRINT_KEY_INFO, 32)),
  );
  const aad = (connectionId: string) => `syncline/connection/${connectionId}`;
  return {
    seal(connectionId, credentials) {
      const bytes = toBinary(ConnectionCredentialsSchema, credentials, { writeUnknownFields: false });
      try {
        return { sealed: cipher.seal(bytes, aad(connectionId)), fingerprint: fingerprinter.fingerprint(bytes) };
      } finally {
        bytes.fill(0);
      }
    },
    open(connectionId, sealed) {
      let bytes: Buffer;
      try {
        bytes = cipher.open(sealed, aad(connectionId));
      } catch (error) {
        throw new Error(
          `cannot open the sealed credentials of connection ${connectionId}: SYNCLINE_CONNECTIONS_ENCRYPTION_KEY is not the key they were sealed with, or the row was altered`,
          { cause: error },
        );
      }
      // Not zeroed afterwards: decoded bytes fields would share this buffer.
      return fromBinary(ConnectionCredentialsSchema, bytes);
    },
  };
}
