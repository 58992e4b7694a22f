import type { SQL } from "drizzle-orm";
import type { Database } from "./open-database.ts";

/**
 * Runs a raw statement and returns its rows. `execute` answers an array on postgres.js and a
 * `{ rows }` result on PGlite; stores call this instead, so neither shape leaks into them. Column
 * values are already alike on both drivers (see `embeddedParsers`): `bytea` a `Buffer`, `int8` and
 * `numeric` decimal strings, timestamps text, `json`/`jsonb` parsed.
 */
export async function queryRows<T extends Record<string, unknown>>(db: Database, statement: SQL): Promise<T[]> {
  const result: unknown = await db.execute(statement);
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}
