import { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import { migrate as migratePglite } from "drizzle-orm/pglite/migrator";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { embeddedParsers } from "./driver-values.ts";
import { withPreparedStatements } from "./prepared-statements.ts";
import { certificateFailure, postgresTls } from "./tls.ts";

/** A drizzle database over either driver; stores are written against this type only. */
export type Database = PgDatabase<PgQueryResultHKT, Record<string, never>>;

/** An open database with its migrations applied. `close` must be called (PGlite keeps the process alive). */
export interface DatabaseHandle {
  readonly db: Database;
  readonly kind: "postgres" | "embedded";
  close(): Promise<void>;
}

/**
 * Opens the service's database and applies its drizzle-kit migrations. With a `url`, PostgreSQL
 * through postgres.js; without one, an embedded PGlite (in `dataDir`, or in memory) so the system
 * runs on a laptop with no database server. Both hand the stores the same values (`bytea` as
 * `Buffer`, `int8` as text before drizzle maps it); stores must not depend on which one runs.
 * The URL's libpq TLS parameters (`sslmode`, `sslrootcert`, `sslcert`, `sslkey`) are honoured
 * (tls.ts); a server certificate that fails verification is reported as such. On PostgreSQL,
 * statements are prepared (prepared-statements.ts) unless `preparedStatements` is false.
 */
export async function openDatabase(options: {
  url?: string;
  dataDir?: string;
  migrationsFolder: string;
  maxConnections?: number;
  /** Default true; false for a transaction-pooling proxy that cannot keep prepared statements. */
  preparedStatements?: boolean;
}): Promise<DatabaseHandle> {
  if (options.url) {
    const tls = postgresTls(options.url);
    const client = postgres(tls.url, { max: options.maxConnections ?? 10, ssl: tls.ssl, onnotice: () => {} });
    const db = drizzlePostgres(options.preparedStatements === false ? client : withPreparedStatements(client));
    try {
      await migratePostgres(db, { migrationsFolder: options.migrationsFolder });
    } catch (error) {
      await client.end({ timeout: 1 }).catch(() => undefined);
      throw certificateFailure(error, options.url) ?? error;
    }
    return { db: db as unknown as Database, kind: "postgres", close: () => client.end({ timeout: 5 }) };
  }
  const client = new PGlite({ dataDir: options.dataDir, parsers: embeddedParsers });
  const db = drizzlePglite(client);
  await migratePglite(db, { migrationsFolder: options.migrationsFolder });
  return { db: db as unknown as Database, kind: "embedded", close: () => client.close() };
}
