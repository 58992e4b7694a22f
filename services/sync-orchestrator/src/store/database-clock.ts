import { sql } from "drizzle-orm";
import type { Database } from "@syncline/db";

/**
 * The database's current time, to the millisecond. Every lease decision (grant, renewal, expiry,
 * supersession by begin and request times) is taken on this one clock, so orchestrator replicas
 * and workers with skewed clocks cannot disagree about who holds a sync.
 */
export async function databaseNow(db: Database): Promise<Date> {
  const result = await db.execute(sql`select floor(extract(epoch from clock_timestamp()) * 1000)::float8 as now_ms`);
  const rows = (Array.isArray(result) ? result : (result as { rows: unknown[] }).rows) as { now_ms: number | string }[];
  return new Date(Number(rows[0]!.now_ms));
}
