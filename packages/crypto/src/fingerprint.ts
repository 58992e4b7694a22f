import { createHmac } from "node:crypto";

/**
 * Keyed fingerprints of credentials: they tell "these credentials changed" without revealing them,
 * and cannot be brute-forced offline without the deployment key.
 */
export interface Fingerprinter {
  fingerprint(material: Uint8Array | string): string;
}

/** Creates a fingerprinter with HMAC-SHA-256 under `key`; output is 64 hex characters. */
export function createFingerprinter(key: Uint8Array): Fingerprinter {
  return {
    fingerprint(material) {
      return createHmac("sha256", key).update(material).digest("hex");
    },
  };
}
