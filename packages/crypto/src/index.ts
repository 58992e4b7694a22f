export { createValueCipher, type ValueCipher } from "./value-cipher.ts";
export { createFingerprinter, type Fingerprinter } from "./fingerprint.ts";
