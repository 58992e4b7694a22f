import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { eq, sql } from "drizzle-orm";
import { bigint, jsonb, numeric, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { currentDatabaseKind, openTestDatabase } from "@syncline/test/support/test-databases.ts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bytea, isUniqueViolation, queryRows, type DatabaseHandle } from "./index.ts";

/**
 * What the stores may rely on, whichever driver runs (this file runs once on PostgreSQL and once
 * on PGlite): the same JavaScript values from typed selects and raw statements, the same row
 * shape from raw statements, the same unique-violation detection. Every expectation is a literal,
 * so both runs are held to identical values.
 */
const parity = pgTable("parity", {
  id: uuid("id").primaryKey(),
  name: text("name").notNull(),
  payload: bytea("payload").notNull(),
  big: bigint("big", { mode: "bigint" }).notNull(),
  amount: numeric("amount").notNull(),
  doc: jsonb("doc").$type<Record<string, unknown>>().notNull(),
  tags: text("tags").array().notNull(),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
});

let handle: DatabaseHandle;
const migrationsFolder = fileURLToPath(new URL("../test/migrations", import.meta.url));

beforeAll(async () => {
  handle = await openTestDatabase("db_parity", migrationsFolder);
});

afterAll(async () => {
  await handle?.close();
});

const big = 2n ** 62n + 1n;
// A view into a larger buffer: drivers must write only its own bytes.
const payload = Buffer.from([9, 0, 1, 2, 255, 9]).subarray(1, 5);

async function insertRow(name = `row-${randomUUID().slice(0, 8)}`) {
  const id = randomUUID();
  await handle.db
    .insert(parity)
    .values({ id, name, payload, big, amount: "12.50", doc: { a: [1, "x"], b: null }, tags: ["x", "y"] });
  return { id, name };
}

describe(`drivers hand identical values (${currentDatabaseKind()})`, () => {
  it("opens the database this run asked for", () => {
    expect(handle.kind).toBe(currentDatabaseKind());
  });

  it("typed selects: bytea as Buffer, bigint exact, numeric text, jsonb parsed, arrays, timestamps as Date", async () => {
    const { id } = await insertRow();
    const [row] = await handle.db.select().from(parity).where(eq(parity.id, id));
    expect(Buffer.isBuffer(row!.payload)).toBe(true);
    expect(row!.payload.equals(Buffer.from([0, 1, 2, 255]))).toBe(true);
    expect(row!.big).toBe(big);
    expect(row!.amount).toBe("12.50");
    expect(row!.doc).toEqual({ a: [1, "x"], b: null });
    expect(row!.tags).toEqual(["x", "y"]);
    expect(row!.at).toBeInstanceOf(Date);
    expect(Math.abs(row!.at.getTime() - Date.now())).toBeLessThan(10 * 60_000);
  });

  it("raw statements: an array of rows, bytea as Buffer, int8 and numeric as text, jsonb parsed", async () => {
    const { id } = await insertRow();
    const rows = await queryRows<Record<string, unknown>>(
      handle.db,
      sql`select payload, big, amount, doc, tags, count(*) over () as total, 7::int as small, at from parity where id = ${id}`,
    );
    expect(Array.isArray(rows)).toBe(true);
    const [row] = rows;
    expect(Buffer.isBuffer(row!.payload)).toBe(true);
    expect((row!.payload as Buffer).toString("hex")).toBe("000102ff");
    expect(row!.big).toBe(big.toString());
    expect(row!.total).toBe("1");
    expect(row!.small).toBe(7);
    expect(row!.amount).toBe("12.50");
    expect(row!.doc).toEqual({ a: [1, "x"], b: null });
    expect(row!.tags).toEqual(["x", "y"]);
    expect(typeof row!.at).toBe("string");
    expect(new Date(row!.at as string).getTime()).not.toBeNaN();
  });

  it("detects a unique violation, by constraint too, inside and outside a transaction", async () => {
    const { name } = await insertRow();
    const outside = await insertRow(name).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(isUniqueViolation(outside)).toBe(true);
    expect(isUniqueViolation(outside, "parity_name_key")).toBe(true);
    expect(isUniqueViolation(outside, "another_key")).toBe(false);
    const inside = await handle.db
      .transaction(async (tx) => {
        await tx
          .insert(parity)
          .values({ id: randomUUID(), name: `${name}-tx`, payload, big, amount: "1", doc: {}, tags: [] });
        await tx.insert(parity).values({ id: randomUUID(), name, payload, big, amount: "1", doc: {}, tags: [] });
      })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(isUniqueViolation(inside, "parity_name_key")).toBe(true);
    expect(
      await handle.db
        .select()
        .from(parity)
        .where(eq(parity.name, `${name}-tx`)),
    ).toEqual([]);
    expect(isUniqueViolation(new Error("other"))).toBe(false);
  });
});
