import { createPrivateKey, createPublicKey, type KeyObject } from "node:crypto";
import type { ConfigField } from "./index.ts";

/**
 * The Ed25519 keys of run grants (docs/least-privilege.md): the orchestrator signs with a private
 * key, every service that checks grants verifies with a list of public keys, so a rotation adds the
 * new public key everywhere, switches the signing key, then drops the old public key.
 */

/**
 * The signing key: a PKCS#8 PEM (newlines may be written as `\n`), or base64 of that PEM or of its
 * DER. Required; never echoed. Only Ed25519 keys are accepted.
 */
export function runGrantSigningKey(variable: string): ConfigField<KeyObject> {
  return {
    variable,
    secret: true,
    parse(raw) {
      if (raw === undefined) throw new Error("is required: an Ed25519 private key (PKCS#8 PEM, or base64 of it)");
      let key: KeyObject;
      try {
        const text = raw.trim().replace(/\\n/g, "\n");
        if (text.startsWith("-----BEGIN")) key = createPrivateKey(text);
        else {
          const bytes = strictBase64(text);
          const pem = bytes.toString("utf8");
          key = pem.startsWith("-----BEGIN")
            ? createPrivateKey(pem)
            : createPrivateKey({ key: bytes, format: "der", type: "pkcs8" });
        }
      } catch {
        throw new Error("is not a PKCS#8 private key (PEM, or base64 of the PEM or of its DER)");
      }
      if (key.asymmetricKeyType !== "ed25519") {
        throw new Error(`must be an Ed25519 key (openssl genpkey -algorithm ed25519), not ${key.asymmetricKeyType}`);
      }
      return key;
    },
  };
}

/**
 * The verifying keys: comma-separated, each the base64 of an Ed25519 public key as SPKI DER (44
 * bytes), as raw key bytes (32 bytes) or as an SPKI PEM. Required, at least one.
 */
export function runGrantPublicKeys(variable: string): ConfigField<readonly KeyObject[]> {
  return {
    variable,
    secret: false,
    parse(raw) {
      if (raw === undefined) throw new Error("is required: comma-separated base64 Ed25519 public keys (SPKI or raw)");
      const parts = raw
        .split(",")
        .map((part) => part.trim())
        .filter((part) => part.length > 0);
      if (parts.length === 0) throw new Error("must list at least one public key");
      return parts.map((part, index) => parsePublicKey(part, index));
    },
  };
}

/** One public key of the list; the error names its position, never more than that. */
export function parsePublicKey(text: string, index = 0): KeyObject {
  let key: KeyObject;
  try {
    const bytes = strictBase64(text);
    if (bytes.length === 32) {
      key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: bytes.toString("base64url") }, format: "jwk" });
    } else {
      const pem = bytes.toString("utf8");
      key = pem.startsWith("-----BEGIN")
        ? createPublicKey(pem)
        : createPublicKey({ key: bytes, format: "der", type: "spki" });
    }
  } catch {
    throw new Error(`key ${index + 1} is not a base64 Ed25519 public key (SPKI DER, SPKI PEM or 32 raw bytes)`);
  }
  if (key.asymmetricKeyType !== "ed25519") {
    throw new Error(`key ${index + 1} must be an Ed25519 key, not ${key.asymmetricKeyType}`);
  }
  return key;
}

function strictBase64(text: string): Buffer {
  const compact = text.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(compact)) throw new Error("not base64");
  return Buffer.from(compact.replace(/-/g, "+").replace(/_/g, "/"), "base64");
}
