import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openDatabase, type DatabaseHandle } from "@syncline/db";
import { createTestDatabase } from "./postgres.ts";

/** The two databases a service runs on: PostgreSQL (a `DATABASE_URL`) or embedded PGlite (a data directory). */
export type DatabaseKind = "postgres" | "embedded";

/**
 * The database the current test file runs on. vitest runs the store-behaviour files once per
 * selected database (projects `postgres` and `embedded`, see `database-projects.ts`), setting
 * SYNCLINE_TEST_DATABASE for each; everything else runs on PostgreSQL.
 */
export function currentDatabaseKind(): DatabaseKind {
  return process.env.SYNCLINE_TEST_DATABASE === "embedded" ? "embedded" : "postgres";
}

/** The service a database belongs to, as its variables name it (`SYNCLINE_<SERVICE>_DATABASE_URL`). */
export type DatabaseOwner = "SECRETS" | "CONNECTIONS" | "ORCHESTRATOR";

/**
 * A fresh, empty database for one service: a random PostgreSQL database, or a temporary PGlite
 * data directory (`url` undefined: the service embeds PGlite). `drop` removes it; call it after
 * the service has stopped (PGlite holds its directory while open).
 */
export interface ServiceDatabase {
  readonly kind: DatabaseKind;
  /** The PostgreSQL URL; undefined on embedded. */
  readonly url: string | undefined;
  /** The PGlite data directory; undefined on postgres. */
  readonly dataDir: string | undefined;
  /** The variables that point `owner` at this database: its DATABASE_URL, or (embedded) its DATA_DIR and no URL. */
  env(owner: DatabaseOwner): Record<string, string>;
  drop(): Promise<void>;
}

/** Creates a ServiceDatabase of `kind` (default: the file's database), named after `prefix` on PostgreSQL. */
export async function createServiceDatabase(
  prefix: string,
  kind: DatabaseKind = currentDatabaseKind(),
): Promise<ServiceDatabase> {
  if (kind === "postgres") {
    const database = await createTestDatabase(prefix);
    return {
      kind,
      url: database.url,
      dataDir: undefined,
      env: (owner) => ({ [`SYNCLINE_${owner}_DATABASE_URL`]: database.url }),
      drop: () => database.drop(),
    };
  }
  const dataDir = mkdtempSync(join(tmpdir(), `syncline-pglite-${prefix.replace(/[^a-z0-9_-]/gi, "_")}-`));
  // A copy of the run's initialised template skips initdb (see pglite-template.ts).
  // Only under vitest (benchmarks load this module outside it: each service then runs initdb itself).
  const template = process.env.VITEST ? (await import("vitest")).inject("pgliteTemplate") : undefined;
  if (template) cpSync(template, dataDir, { recursive: true });
  return {
    kind,
    url: undefined,
    dataDir,
    env: (owner) => ({ [`SYNCLINE_${owner}_DATA_DIR`]: dataDir }),
    async drop() {
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens a migrated database in this process for store tests: a fresh PostgreSQL database, or a
 * PGlite in a temporary directory. `close` closes it (PGlite holds hundreds of MB until closed)
 * and drops it.
 */
export async function openTestDatabase(
  prefix: string,
  migrationsFolder: string,
  kind: DatabaseKind = currentDatabaseKind(),
): Promise<DatabaseHandle> {
  const database = await createServiceDatabase(prefix, kind);
  const handle = await openDatabase({ url: database.url, dataDir: database.dataDir, migrationsFolder });
  return {
    ...handle,
    async close() {
      await handle.close();
      await database.drop();
    },
  };
}
