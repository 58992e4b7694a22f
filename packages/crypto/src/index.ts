export { createValueCipher, type ValueCipher } from "./value-cipher.ts";
export { createFingerprinter, type Fingerprinter } from "./fingerprint.ts";
export {
  createRootKeyring,
  generateDataKey,
  rootKeyId,
  UnknownRootKeyError,
  DATA_KEY_BYTES,
  type RootKeyring,
  type WrappedDataKey,
} from "./root-keyring.ts";
