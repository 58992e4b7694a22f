import { generateKeyPairSync, type KeyObject } from "node:crypto";

/** One Ed25519 run-grant key pair, as objects and as the environment variables services read. */
export interface RunGrantKeyPair {
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** SYNCLINE_RUN_GRANT_SIGNING_KEY: base64 of the PKCS#8 PEM. */
  readonly signingKey: string;
  /** One entry of SYNCLINE_RUN_GRANT_PUBLIC_KEYS: base64 of the SPKI DER. */
  readonly publicKeyBase64: string;
}

/** A fresh key pair (one per system under test, so systems never trust each other's grants). */
export function generateRunGrantKeys(): RunGrantKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privateKey,
    publicKey,
    signingKey: Buffer.from(privateKey.export({ format: "pem", type: "pkcs8" }).toString()).toString("base64"),
    publicKeyBase64: publicKey.export({ format: "der", type: "spki" }).toString("base64"),
  };
}

/** The environment of every service of a system that uses `keys`. */
export function runGrantEnv(keys: RunGrantKeyPair): Record<string, string> {
  return {
    SYNCLINE_RUN_GRANT_SIGNING_KEY: keys.signingKey,
    SYNCLINE_RUN_GRANT_PUBLIC_KEYS: keys.publicKeyBase64,
  };
}
