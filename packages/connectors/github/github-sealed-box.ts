import sodium from "libsodium-wrappers";

/** Size of a Curve25519 public key, which GitHub hands out base64-encoded. */
const PUBLIC_KEY_BYTES = 32;

/** Loads libsodium's WebAssembly once; every later call awaits the same promise. */
export async function sodiumReady(): Promise<typeof sodium> {
  await sodium.ready;
  return sodium;
}

/** True when `publicKey` is base64 (standard alphabet) of a 32-byte Curve25519 key. */
export async function isGitHubPublicKey(publicKey: string): Promise<boolean> {
  const s = await sodiumReady();
  try {
    return s.from_base64(publicKey, s.base64_variants.ORIGINAL).length === PUBLIC_KEY_BYTES;
  } catch {
    return false;
  }
}

/**
 * Encrypts a secret value the way GitHub documents for Actions secrets: a libsodium sealed box
 * (`crypto_box_seal`) to the scope's base64 public key, base64-encoded. Only GitHub's private key
 * opens it; the value never leaves this process unsealed.
 */
export async function sealForGitHub(value: string, publicKey: string): Promise<string> {
  const s = await sodiumReady();
  const sealed = s.crypto_box_seal(s.from_string(value), s.from_base64(publicKey, s.base64_variants.ORIGINAL));
  return s.to_base64(sealed, s.base64_variants.ORIGINAL);
}
