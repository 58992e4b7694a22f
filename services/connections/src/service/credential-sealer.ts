import { hkdfSync } from "node:crypto";
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import type { RootKeys } from "@syncline/config/root-keys";
import {
  createFingerprinter,
  createRootKeyring,
  createValueCipher,
  generateDataKey,
  UnknownRootKeyError,
  type ValueCipher,
} from "@syncline/crypto";
import {
  ConnectionCredentialsSchema,
  type ConnectionCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";

/**
 * Credentials as stored: the sealed bytes and, for envelope-sealed rows, the data key they are
 * sealed under, wrapped by root key `rootKeyId`. Rows sealed before envelope encryption have no
 * data key (`rootKeyId` and `wrappedDataKey` null): their bytes are sealed directly under a root key.
 */
export interface StoredCredentials {
  readonly sealed: Buffer;
  readonly rootKeyId: string | null;
  readonly wrappedDataKey: Buffer | null;
}

/** Credentials sealed under a data key wrapped by root key `rootKeyId`. */
export interface EnvelopeCredentials extends StoredCredentials {
  readonly rootKeyId: string;
  readonly wrappedDataKey: Buffer;
}

/** What the store keeps instead of credentials: the sealed bytes, their wrapped data key and their keyed fingerprint. */
export interface SealedCredentials extends EnvelopeCredentials {
  readonly fingerprint: string;
}

/** Names rows sealed before envelope encryption in an UnknownRootKeyError when no configured root key opens them. */
export const SINGLE_KEY_SEALED = "single-key";

/** Seals, opens and fingerprints connection credentials; the only place that sees their bytes. */
export interface CredentialSealer {
  /** Id of the root key new data keys are wrapped with. */
  readonly currentRootKeyId: string;
  /** Seals the credentials for connection `connectionId` under a fresh data key; they open only for that id. */
  seal(connectionId: string, credentials: ConnectionCredentials): SealedCredentials;
  /** Opens what `seal` (or the former single-key sealing) produced for the same id; throws on a wrong key, id or tampered bytes. */
  open(connectionId: string, stored: StoredCredentials): ConnectionCredentials;
  /**
   * Re-wraps the data key under the current root key (the sealed bytes stay); a row sealed the
   * former way is sealed afresh under a new data key. Throws UnknownRootKeyError when the data key
   * is wrapped by a root key not held (rootKeyId SINGLE_KEY_SEALED when a former-way row opens under
   * none), an Error when the row does not open.
   */
  rewrap(connectionId: string, stored: StoredCredentials): EnvelopeCredentials;
}

const FINGERPRINT_KEY_INFO = "syncline/connections/credentials-fingerprint/v1";

const valueAad = (connectionId: string) => `syncline/connection/${connectionId}`;
const dataKeyContext = (connectionId: string) => `connection/${connectionId}`;

/**
 * Creates the sealer. Credentials are the binary protobuf message (unknown fields dropped, so the
 * bytes and the fingerprint depend only on what Syncline understands), sealed with AES-256-GCM under
 * a per-credential data key with associated data `syncline/connection/<id>`; the data key is wrapped
 * by the current root key, bound to the same id. The fingerprint is HMAC-SHA-256 under a key derived
 * with HKDF from the fingerprint key, which no rotation touches, so it is stable per deployment,
 * changes with the credentials, and cannot be checked offline without the key.
 */
export function createCredentialSealer(rootKeys: RootKeys, fingerprintKey: Uint8Array): CredentialSealer {
  const keyring = createRootKeyring(rootKeys.current, rootKeys.previous);
  const legacyCiphers: ValueCipher[] = [rootKeys.current, ...rootKeys.previous].map((key) => createValueCipher(key));
  const fingerprinter = createFingerprinter(
    Buffer.from(hkdfSync("sha256", fingerprintKey, Buffer.alloc(0), FINGERPRINT_KEY_INFO, 32)),
  );

  const sealBytes = (connectionId: string, bytes: Uint8Array): EnvelopeCredentials => {
    const dataKey = generateDataKey();
    try {
      const wrapped = keyring.wrap(dataKey, dataKeyContext(connectionId));
      return {
        sealed: createValueCipher(dataKey).seal(bytes, valueAad(connectionId)),
        rootKeyId: wrapped.rootKeyId,
        wrappedDataKey: wrapped.wrapped,
      };
    } finally {
      dataKey.fill(0);
    }
  };

  const openLegacy = (connectionId: string, sealed: Buffer): Buffer => {
    for (const cipher of legacyCiphers) {
      try {
        return cipher.open(sealed, valueAad(connectionId));
      } catch {}
    }
    throw new Error("no configured root key opens it");
  };

  const openBytes = (connectionId: string, stored: StoredCredentials): Buffer => {
    if (stored.rootKeyId === null || stored.wrappedDataKey === null) return openLegacy(connectionId, stored.sealed);
    const dataKey = keyring.unwrap(
      { rootKeyId: stored.rootKeyId, wrapped: stored.wrappedDataKey },
      dataKeyContext(connectionId),
    );
    try {
      return createValueCipher(dataKey).open(stored.sealed, valueAad(connectionId));
    } finally {
      dataKey.fill(0);
    }
  };

  const cannotOpen = (connectionId: string, error: unknown) =>
    new Error(
      `cannot open the sealed credentials of connection ${connectionId}: ${
        error instanceof UnknownRootKeyError
          ? `their data key is wrapped by root key ${error.rootKeyId}, which is not SYNCLINE_CONNECTIONS_ROOT_KEY or SYNCLINE_CONNECTIONS_PREVIOUS_ROOT_KEY`
          : "SYNCLINE_CONNECTIONS_ROOT_KEY (or SYNCLINE_CONNECTIONS_PREVIOUS_ROOT_KEY) is not the key they were sealed with, or the row was altered"
      }`,
      { cause: error },
    );

  return {
    currentRootKeyId: keyring.currentId,
    seal(connectionId, credentials) {
      const bytes = toBinary(ConnectionCredentialsSchema, credentials, { writeUnknownFields: false });
      try {
        return { ...sealBytes(connectionId, bytes), fingerprint: fingerprinter.fingerprint(bytes) };
      } finally {
        bytes.fill(0);
      }
    },
    open(connectionId, stored) {
      let bytes: Buffer;
      try {
        bytes = openBytes(connectionId, stored);
      } catch (error) {
        throw cannotOpen(connectionId, error);
      }
      // Not zeroed afterwards: decoded bytes fields would share this buffer.
      return fromBinary(ConnectionCredentialsSchema, bytes);
    },
    rewrap(connectionId, stored) {
      if (stored.rootKeyId === null || stored.wrappedDataKey === null) {
        let bytes: Buffer;
        try {
          bytes = openLegacy(connectionId, stored.sealed);
        } catch {
          throw new UnknownRootKeyError(SINGLE_KEY_SEALED, keyring.knownIds);
        }
        try {
          return sealBytes(connectionId, bytes);
        } finally {
          bytes.fill(0);
        }
      }
      const context = dataKeyContext(connectionId);
      const dataKey = keyring.unwrap({ rootKeyId: stored.rootKeyId, wrapped: stored.wrappedDataKey }, context);
      try {
        const wrapped = keyring.wrap(dataKey, context);
        return { sealed: stored.sealed, rootKeyId: wrapped.rootKeyId, wrappedDataKey: wrapped.wrapped };
      } finally {
        dataKey.fill(0);
      }
    },
  };
}
