import { sql } from "drizzle-orm";
import { bigint, bigserial, customType, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => "bytea" });

/** Projects; `revision` is bumped under a row lock by every write, so it orders the project's writes. */
export const projects = pgTable("projects", {
  id: uuid("id").primaryKey(),
  name: text("name").notNull(),
  revision: bigint("revision", { mode: "bigint" }).notNull().default(sql`0`),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex("projects_name_key").on(t.name)]);

export const environments = pgTable("environments", {
  id: uuid("id").primaryKey(),
  projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
  slug: text("slug").notNull(),
  name: text("name").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex("environments_project_slug_key").on(t.projectId, t.slug)]);

export const folders = pgTable("folders", {
  id: uuid("id").primaryKey(),
  projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
  environmentId: uuid("environment_id").notNull().references(() => environments.id, { onDelete: "cascade" }),
  path: text("path").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex("folders_environment_path_key").on(t.environmentId, t.path)]);

/** Secrets; the value is sealed (AES-256-GCM) with associated data binding it to this row and version. */
export const secrets = pgTable("secrets", {
  id: uuid("id").primaryKey(),
  projectId: uuid("project_id").notNull().references(() => projects.id, { onDelete: "cascade" }),
  folderId: uuid("folder_id").notNull().references(() => folders.id, { onDelete: "cascade" }),
  key: text("key").notNull(),
  sealedValue: bytea("sealed_value").notNull(),
  comment: text("comment").notNull().default(""),
  version: integer("version").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex("secrets_folder_key_key").on(t.folderId, t.key)]);

/**
 * Transactional outbox: a row per committed change event, written in the same transaction as the
 * change. The relay publishes rows in `seq` order with `id` as Nats-Msg-Id, then deletes them.
 */
export const outbox = pgTable("outbox", {
  seq: bigserial("seq", { mode: "bigint" }).primaryKey(),
  id: uuid("id").notNull(),
  subject: text("subject").notNull(),
  payload: bytea("payload").notNull(),
  traceContext: jsonb("trace_context").$type<Record<string, string>>().notNull().default({}),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
}, (t) => [uniqueIndex("outbox_id_key").on(t.id), index("outbox_created_at_idx").on(t.createdAt)]);
