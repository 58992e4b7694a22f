import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { createTestDatabase, type TestDatabase } from "@syncline/test/support/postgres.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_PREPARED_PARAMETERS, withPreparedStatements } from "./prepared-statements.ts";

/**
 * drizzle's statements become prepared statements on postgres.js (one round trip instead of two):
 * in and out of transactions and savepoints, only with parameters, and only up to the bound that
 * keeps a connection's statement count finite. Seen from the server (`pg_prepared_statements`).
 */
let database: TestDatabase;
let client: postgres.Sql;

beforeAll(async () => {
  database = await createTestDatabase("db_prepared");
  client = postgres(database.url, { max: 1, onnotice: () => {} }); // one connection: one session to inspect
});
afterAll(async () => {
  await client.end({ timeout: 5 });
  await database.drop();
});

/** The statements this session has prepared, by text. */
async function prepared(db: ReturnType<typeof drizzle>): Promise<string[]> {
  const rows = await db.execute<{ statement: string }>(sql`select statement from pg_prepared_statements`);
  return [...rows].map((row) => row.statement);
}

describe("withPreparedStatements", () => {
  it("prepares parameterised statements, also inside transactions and savepoints", async () => {
    const db = drizzle(withPreparedStatements(client));
    expect(await db.execute(sql`select ${41}::int + 1 as answer`)).toEqual([{ answer: 42 }]);
    await db.transaction(async (tx) => {
      await tx.execute(sql`select ${"in-transaction"}::text as t`);
      await tx.transaction(async (inner) => {
        await inner.execute(sql`select ${"in-savepoint"}::text as s`);
      });
    });
    const statements = await prepared(db);
    expect(statements).toContain("select $1::int + 1 as answer");
    expect(statements).toContain("select $1::text as t");
    expect(statements).toContain("select $1::text as s");
    // Run again: the same prepared statement answers, with the new parameter.
    expect(await db.execute(sql`select ${1}::int + 1 as answer`)).toEqual([{ answer: 2 }]);
  });

  it("leaves statements without parameters, or with more than the bound, unprepared", async () => {
    const db = drizzle(withPreparedStatements(client));
    await db.execute(sql`select 7 as plain`);
    const many = Array.from({ length: MAX_PREPARED_PARAMETERS + 1 }, (_, i) => i);
    const rows = await db.execute(
      sql`select ${sql.join(
        many.map((i) => sql`${i}::int`),
        sql`+`,
      )} as total`,
    );
    expect(rows).toEqual([{ total: many.reduce((a, b) => a + b, 0) }]);
    const statements = await prepared(db);
    expect(statements.some((text) => text.includes("as plain"))).toBe(false);
    expect(statements.some((text) => text.includes("as total"))).toBe(false);
  });

  it("is what drizzle alone does not do (the reason it exists)", async () => {
    const plain = postgres(database.url, { max: 1, onnotice: () => {} });
    try {
      const db = drizzle(plain);
      await db.execute(sql`select ${5}::int as unwrapped`);
      expect((await prepared(db)).some((text) => text.includes("unwrapped"))).toBe(false);
    } finally {
      await plain.end({ timeout: 5 });
    }
  });
});
