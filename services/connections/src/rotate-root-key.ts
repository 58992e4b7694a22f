// Rotates the connections service's root key: re-wraps every connection's data key under the new
// root key, leaving the sealed credentials as they are (they are sealed under the data keys, which
// do not change). Rows sealed before envelope encryption (directly under the old key) are sealed
// afresh under a new data key. Fingerprints do not change (their key is not a root key).
//
//   SYNCLINE_CONNECTIONS_ROOT_KEY(_FILE)=<new key> SYNCLINE_CONNECTIONS_PREVIOUS_ROOT_KEY(_FILE)=<old key> \
//   SYNCLINE_CONNECTIONS_DATABASE_URL=postgres://… (or SYNCLINE_CONNECTIONS_DATA_DIR=…) \
//   node services/connections/src/rotate-root-key.ts
//
// Idempotent and resumable: rows already under the new root key are left alone, and it works in
// batches of 500, one transaction each. Prints one JSON line of counts (never a key or credential);
// exits 2 when some row is wrapped by a root key that is neither of the two given, 78 on a
// configuration error.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { ConfigError, databaseUrl, optionalStr, readConfig } from "@syncline/config";
import { resolveRootKeys } from "@syncline/config/root-keys";
import { openDatabase } from "@syncline/db";
import { connectionRootKeyConfig } from "./config.ts";
import { rewrapAllCredentials } from "./service/credential-rotation.ts";
import { createCredentialSealer } from "./service/credential-sealer.ts";

try {
  const config = readConfig({
    databaseUrl: databaseUrl("SYNCLINE_CONNECTIONS_DATABASE_URL"),
    dataDir: optionalStr("SYNCLINE_CONNECTIONS_DATA_DIR"),
    ...connectionRootKeyConfig,
  });
  const rootKeys = resolveRootKeys("SYNCLINE_CONNECTIONS", config, {
    legacyVariable: "SYNCLINE_CONNECTIONS_ENCRYPTION_KEY",
  });
  const legacyOnly = rootKeys.previous.length === 0;
  if (legacyOnly && !process.argv.includes("--reseal-single-key")) {
    throw new ConfigError([
      "SYNCLINE_CONNECTIONS_PREVIOUS_ROOT_KEY: is required (the root key the data keys are wrapped with now; or SYNCLINE_CONNECTIONS_PREVIOUS_ROOT_KEY_FILE), and must differ from SYNCLINE_CONNECTIONS_ROOT_KEY; or pass --reseal-single-key to only re-seal rows sealed before envelope encryption under the current key",
    ]);
  }
  // Rotation never computes a fingerprint, so the sealer's fingerprint key is a throwaway.
  const sealer = createCredentialSealer(rootKeys, randomBytes(32));
  const migrationsFolder = fileURLToPath(new URL("./store/migrations", import.meta.url));
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    migrationsFolder,
    maxConnections: 2,
  });
  let counts: Awaited<ReturnType<typeof rewrapAllCredentials>>;
  try {
    counts = await rewrapAllCredentials(database.db, sealer);
  } finally {
    await database.close();
  }
  process.stdout.write(`${JSON.stringify({ rootKeyId: sealer.currentRootKeyId, ...counts })}\n`);
  process.exit(counts.unknownRootKey > 0 ? 2 : 0);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`rotate-root-key: ${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`rotate-root-key: ${(error as Error).message}\n`);
  process.exit(1);
}
