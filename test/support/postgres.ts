import { randomBytes } from "node:crypto";
import postgres from "postgres";

/** The server the tests create their databases on; `test/run-all.sh` makes sure it runs. */
export const adminDatabaseUrl = process.env.SYNCLINE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

/** A fresh database on the real PostgreSQL server, dropped by `drop`. */
export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates a database with a random name (so test files can run side by side). */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const name = `syncline_${prefix.replace(/[^a-z0-9_]/g, "_")}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(adminDatabaseUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminDatabaseUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      const conn = postgres(adminDatabaseUrl, { max: 1, onnotice: () => {} });
      try {
        await conn.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await conn.end();
      }
    },
  };
}
