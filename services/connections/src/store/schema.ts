import type { JsonValue } from "@bufbuild/protobuf";
import { bytea } from "@syncline/db";
import { outboxTable } from "@syncline/outbox";
import { index, integer, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

/**
 * App connections. `sealed_credentials` is the binary ConnectionCredentials message sealed with
 * AES-256-GCM under a per-connection data key, its associated data binding it to the row id;
 * `wrapped_data_key` is that data key wrapped by root key `root_key_id` (both null on rows sealed
 * before envelope encryption, directly under a root key, until a rotation re-seals them); `redacted` is the RedactedCredentials
 * message in its JSON form (never a secret); `fingerprint` is a keyed HMAC of the credentials.
 * No column ever holds a credential in plaintext.
 */
export const appConnections = pgTable(
  "app_connections",
  {
    id: uuid("id").primaryKey(),
    projectId: uuid("project_id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** `syncline.connections.v1.App` number. */
    app: integer("app").notNull(),
    /** `syncline.connections.v1.AuthMethod` number. */
    method: integer("method").notNull(),
    sealedCredentials: bytea("sealed_credentials").notNull(),
    rootKeyId: text("root_key_id"),
    wrappedDataKey: bytea("wrapped_data_key"),
    redacted: jsonb("redacted").$type<JsonValue>().notNull(),
    fingerprint: text("fingerprint").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("app_connections_project_name_key").on(t.projectId, t.name)],
);

/**
 * The projects (other than its owner) a connection is shared with by an organisation admin: their
 * syncs may use it and their viewers see its redacted view. Deleting the connection drops its shares.
 */
export const connectionShares = pgTable(
  "connection_shares",
  {
    connectionId: uuid("connection_id")
      .notNull()
      .references(() => appConnections.id, { onDelete: "cascade" }),
    projectId: uuid("project_id").notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.projectId] }),
    index("connection_shares_project_idx").on(t.projectId, t.connectionId),
  ],
);

/** Connection change events waiting to be published (transactional outbox). */
export const outbox = outboxTable("outbox");
