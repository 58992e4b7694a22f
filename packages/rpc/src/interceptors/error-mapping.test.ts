import * as grpc from "@grpc/grpc-js";
import { drizzle } from "drizzle-orm/postgres-js";
import { sql } from "drizzle-orm";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { createLogger } from "@syncline/telemetry";
import { freePort } from "@syncline/test/support/free-port.ts";
import type { ServerCall } from "../interceptor.ts";
import { RpcError } from "../rpc-error.ts";
import { errorMapping } from "./error-mapping.ts";

/**
 * What a caller receives when a handler fails on its database, with the errors drizzle and
 * postgres.js really throw: a database that refuses connections or ends the session is
 * UNAVAILABLE (retry with backoff), a failing statement is INTERNAL with nothing of its message.
 */
const url = process.env.SYNCLINE_TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const clients: postgres.Sql[] = [];
const database = (target: string) => {
  const client = postgres(target, { max: 1, connect_timeout: 5, onnotice: () => {} });
  clients.push(client);
  return { client, db: drizzle(client) };
};

afterAll(async () => {
  await Promise.all(clients.map((client) => client.end({ timeout: 1 })));
});

/** The status a caller gets when the handler fails with what `failing` throws. */
async function statusOf(failing: () => Promise<unknown>): Promise<{ code: number; message: string }> {
  const call = { method: { name: "Probe" }, signal: new AbortController().signal } as unknown as ServerCall;
  const handler = errorMapping(createLogger("error-mapping-test", "silent"))(async () => failing());
  const error = await handler(call).then(
    () => expect.fail("expected the call to fail"),
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RpcError);
  return { code: (error as RpcError).code, message: (error as RpcError).message };
}

describe("a handler failing on its database", () => {
  it("is UNAVAILABLE when the database refuses connections", async () => {
    const { db } = database(`postgres://postgres@127.0.0.1:${await freePort()}/postgres`);
    const status = await statusOf(() => db.execute(sql`select 1`));
    expect(status.code).toBe(grpc.status.UNAVAILABLE);
    expect(status.message).toMatch(/unavailable.*retry/);
  });

  it("is UNAVAILABLE when the server ends the session (terminated backend, as in a restart)", async () => {
    const { client, db } = database(url);
    const [backend] = await client<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const { client: admin } = database(url);
    const sleeping = statusOf(() => db.execute(sql`select pg_sleep(10)`));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await admin`select pg_terminate_backend(${backend!.pid})`;
    expect((await sleeping).code).toBe(grpc.status.UNAVAILABLE);
  });

  it("is INTERNAL, naming nothing of the statement, when a statement fails", async () => {
    const { db } = database(url);
    const status = await statusOf(() => db.execute(sql`select 1 / ${0}::int as secret_canary`));
    expect(status.code).toBe(grpc.status.INTERNAL);
    expect(status.message).toMatch(/^internal error/);
    expect(status.message).not.toMatch(/division|secret_canary/);
  });
});
