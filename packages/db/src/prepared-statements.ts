import type { Sql } from "postgres";

/**
 * Statements with at most this many parameters are prepared: it bounds the distinct statements a
 * connection keeps (a list of ids becomes `in ($1, …, $n)`, one text per length) while covering
 * every single-row query. Larger ones run unprepared, as drizzle sends them.
 */
export const MAX_PREPARED_PARAMETERS = 64;

type Unsafe = Sql["unsafe"];

/**
 * Makes drizzle's queries prepared statements on postgres.js. drizzle sends every query with
 * `sql.unsafe(text, params)`, which postgres.js runs unprepared: a statement with parameters then
 * costs two round trips (Parse/Describe, then Bind/Execute) and a parse and plan on every call. A
 * prepared statement is parsed once per connection and then costs one round trip. The returned
 * client is `client` with `unsafe` preparing parameterised statements (up to
 * MAX_PREPARED_PARAMETERS), also inside `begin`, `savepoint` and `reserve`. Statements without
 * parameters (migrations, `begin`) keep the simple protocol. Turn it off for a transaction-pooling
 * proxy that cannot keep prepared statements (SYNCLINE_DB_PREPARED_STATEMENTS=false).
 */
export function withPreparedStatements<T extends Sql>(client: T): T {
  const unsafe: Unsafe = (query, parameters = [], options = {}) =>
    client.unsafe(query, parameters, {
      prepare: parameters.length > 0 && parameters.length <= MAX_PREPARED_PARAMETERS,
      ...options,
    });
  const wrapCallback =
    (callback: (sql: Sql) => unknown) =>
    (sql: Sql): unknown =>
      callback(withPreparedStatements(sql));
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === "unsafe") return unsafe;
      if (property === "begin" || property === "savepoint") {
        // (callback) or (options | name, callback)
        return (...args: unknown[]) => {
          const last = args.length - 1;
          const wrapped = [...args.slice(0, last), wrapCallback(args[last] as (sql: Sql) => unknown)];
          const method = Reflect.get(target, property) as (...a: unknown[]) => unknown;
          return method(...wrapped);
        };
      }
      if (property === "reserve") {
        return async () => withPreparedStatements(await target.reserve());
      }
      return Reflect.get(target, property, receiver);
    },
  });
}
