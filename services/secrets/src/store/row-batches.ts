import { sql, type SQL } from "drizzle-orm";

/**
 * Many rows as ONE statement parameter: a JSON array read back with `jsonb_to_recordset`, so a
 * write of 10,000 rows is one statement with one parameter instead of tens of thousands (which
 * PostgreSQL caps at 65,535 and the query builder spends most of its time on). Byte columns travel
 * base64-encoded (`decode(r.col, 'base64')`). Text must hold no NUL (the source rules refuse it).
 */
export function recordset(rows: readonly object[], columns: string): SQL {
  // `this[key]` is the value before Buffer#toJSON turned it into { type, data }.
  const json = JSON.stringify(rows, function (this: Record<string, unknown>, key: string, value: unknown) {
    const raw = this[key];
    return raw instanceof Uint8Array ? Buffer.from(raw).toString("base64") : value;
  });
  return sql`jsonb_to_recordset(${json}::jsonb) as r(${sql.raw(columns)})`;
}
