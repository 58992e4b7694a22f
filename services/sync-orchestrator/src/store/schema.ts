import { bigint, customType, index, integer, pgTable, text, timestamp, uniqueIndex, uuid, boolean } from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

/**
 * Secret syncs with their options and the status of the sync action. `destination_config` is the
 * binary DestinationConfig protobuf (typed per destination, no secrets in it).
 */
export const secretSyncs = pgTable("secret_syncs", {
  id: uuid("id").primaryKey(),
  projectId: uuid("project_id").notNull(),
  name: text("name").notNull(),
  description: text("description").notNull().default(""),
  sourceEnvironment: text("source_environment").notNull(),
  sourcePath: text("source_path").notNull(),
  connectionId: uuid("connection_id").notNull(),
  destination: integer("destination").notNull(),
  destinationConfig: bytea("destination_config").notNull(),
  initialSyncBehavior: integer("initial_sync_behavior").notNull(),
  keySchema: text("key_schema").notNull().default(""),
  disableSecretDeletion: boolean("disable_secret_deletion").notNull().default(false),
  autoSync: boolean("auto_sync").notNull().default(true),
  syncState: integer("sync_state").notNull().default(0),
  syncRunId: uuid("sync_run_id"),
  syncMessage: text("sync_message").notNull().default(""),
  syncUpdatedAt: timestamp("sync_updated_at", { withTimezone: true }),
  lastSyncedRevision: bigint("last_synced_revision", { mode: "bigint" }).notNull().default(sql`0`),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [
  uniqueIndex("secret_syncs_project_name_key").on(t.projectId, t.name),
  index("secret_syncs_source_idx").on(t.projectId, t.sourceEnvironment, t.sourcePath),
]);

/** Every run of every action; no values, only key counts. */
export const syncRuns = pgTable("sync_runs", {
  id: uuid("id").primaryKey(),
  syncId: uuid("sync_id").notNull().references(() => secretSyncs.id, { onDelete: "cascade" }),
  action: integer("action").notNull(),
  trigger: integer("trigger").notNull(),
  state: integer("state").notNull(),
  message: text("message").notNull().default(""),
  sourceRevision: bigint("source_revision", { mode: "bigint" }).notNull().default(sql`0`),
  keysCreated: integer("keys_created").notNull().default(0),
  keysUpdated: integer("keys_updated").notNull().default(0),
  keysDeleted: integer("keys_deleted").notNull().default(0),
  attempts: integer("attempts").notNull().default(0),
  queuedAt: timestamp("queued_at", { withTimezone: true }).notNull().defaultNow(),
  startedAt: timestamp("started_at", { withTimezone: true }),
  endedAt: timestamp("ended_at", { withTimezone: true }),
}, (t) => [index("sync_runs_sync_queued_idx").on(t.syncId, t.queuedAt)]);
