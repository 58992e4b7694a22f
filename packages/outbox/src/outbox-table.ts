import { bytea } from "@syncline/db";
import { bigserial, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * The outbox table a service adds to its schema (export it from `schema.ts` so drizzle-kit
 * migrates it). `seq` orders rows by commit; `id` is the event id and the Nats-Msg-Id;
 * `payload` is the binary protobuf event (never a secret value); `type_name` its message type.
 */
export function outboxTable(name = "outbox") {
  return pgTable(
    name,
    {
      seq: bigserial("seq", { mode: "bigint" }).primaryKey(),
      id: uuid("id").notNull(),
      subject: text("subject").notNull(),
      typeName: text("type_name").notNull().default(""),
      payload: bytea("payload").notNull(),
      traceContext: jsonb("trace_context").$type<Record<string, string>>().notNull().default({}),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [uniqueIndex(`${name}_id_key`).on(t.id), index(`${name}_created_at_idx`).on(t.createdAt)],
  );
}

export type OutboxTable = ReturnType<typeof outboxTable>;
