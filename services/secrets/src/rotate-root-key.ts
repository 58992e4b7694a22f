// Rotates the secrets service's root key: re-wraps every project data key under the new root key,
// leaving every sealed value as it is (values are sealed under the data keys, which do not change).
//
//   SYNCLINE_SECRETS_ROOT_KEY(_FILE)=<new key> SYNCLINE_SECRETS_PREVIOUS_ROOT_KEY(_FILE)=<old key> \
//   SYNCLINE_SECRETS_DATABASE_URL=postgres://… (or SYNCLINE_SECRETS_DATA_DIR=…) \
//   node services/secrets/src/rotate-root-key.ts
//
// Idempotent: keys already wrapped by the new root key are left alone, so it can be run again after
// an interruption. Prints one JSON line of counts (never a key); exits 2 when some data key is
// wrapped by a root key that is neither of the two given, 78 on a configuration error.
import { fileURLToPath } from "node:url";
import { ConfigError, databaseUrl, optionalStr, readConfig } from "@syncline/config";
import { createRootKeyring, UnknownRootKeyError } from "@syncline/crypto";
import { openDatabase } from "@syncline/db";
import { resolveRootKeys, rootKeyConfig } from "./config.ts";
import { lockDataKeysNotWrappedBy, rewrapDataKey } from "./store/data-key-store.ts";

const BATCH = 500;

try {
  const config = readConfig({
    databaseUrl: databaseUrl("SYNCLINE_SECRETS_DATABASE_URL"),
    dataDir: optionalStr("SYNCLINE_SECRETS_DATA_DIR"),
    ...rootKeyConfig,
  });
  const keys = resolveRootKeys(config);
  if (keys.previous.length === 0) {
    throw new ConfigError([
      "SYNCLINE_SECRETS_PREVIOUS_ROOT_KEY: is required (the root key the data keys are wrapped with now; or SYNCLINE_SECRETS_PREVIOUS_ROOT_KEY_FILE), and must differ from SYNCLINE_SECRETS_ROOT_KEY",
    ]);
  }
  const keyring = createRootKeyring(keys.current, keys.previous);
  const newOnly = createRootKeyring(keys.current);
  const migrationsFolder = fileURLToPath(new URL("./store/migrations", import.meta.url));
  const database = await openDatabase({
    url: config.databaseUrl,
    dataDir: config.dataDir,
    migrationsFolder,
    maxConnections: 2,
  });
  const counts = { rewrapped: 0, unknownRootKey: 0 };
  const unknownIds = new Set<string>();
  try {
    let after = "00000000-0000-0000-0000-000000000000";
    for (;;) {
      const done = await database.db.transaction(async (tx) => {
        const rows = await lockDataKeysNotWrappedBy(tx, keyring.currentId, after, BATCH);
        for (const row of rows) {
          after = row.projectId;
          let dataKey: Buffer;
          try {
            dataKey = keyring.unwrap({ rootKeyId: row.rootKeyId, wrapped: row.wrappedKey }, row.projectId);
          } catch (error) {
            if (!(error instanceof UnknownRootKeyError))
              throw new Error(
                `the data key of project ${row.projectId} does not open under root key ${row.rootKeyId} (altered row?)`,
                { cause: error },
              );
            counts.unknownRootKey++;
            unknownIds.add(row.rootKeyId);
            continue;
          }
          const wrapped = keyring.wrap(dataKey, row.projectId);
          if (!newOnly.unwrap(wrapped, row.projectId).equals(dataKey))
            throw new Error(`re-wrapping the data key of project ${row.projectId} did not round-trip`);
          await rewrapDataKey(tx, row.projectId, { rootKeyId: wrapped.rootKeyId, wrappedKey: wrapped.wrapped });
          counts.rewrapped++;
        }
        return rows.length < BATCH;
      });
      if (done) break;
    }
  } finally {
    await database.close();
  }
  process.stdout.write(
    `${JSON.stringify({ rootKeyId: keyring.currentId, ...counts, unknownRootKeyIds: [...unknownIds] })}\n`,
  );
  process.exit(counts.unknownRootKey > 0 ? 2 : 0);
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`rotate-root-key: ${error.message}\n`);
    process.exit(78);
  }
  process.stderr.write(`rotate-root-key: ${(error as Error).message}\n`);
  process.exit(1);
}
