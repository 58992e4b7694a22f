import { bytea } from "@syncline/db";
import { outboxTable } from "@syncline/outbox";
import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

/** Projects; `revision` is bumped under a row lock by every write, so it orders the project's writes. */
export const projects = pgTable(
  "projects",
  {
    id: uuid("id").primaryKey(),
    name: text("name").notNull(),
    revision: bigint("revision", { mode: "bigint" }).notNull().default(sql`0`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("projects_name_key").on(t.name)],
);

/**
 * The data key of each project (AES-256), wrapped by the root key whose id is recorded, so a root
 * key rotation re-wraps these rows without touching any sealed value. Deleted with the project.
 */
export const projectDataKeys = pgTable("project_data_keys", {
  projectId: uuid("project_id")
    .primaryKey()
    .references(() => projects.id, { onDelete: "cascade" }),
  rootKeyId: text("root_key_id").notNull(),
  wrappedKey: bytea("wrapped_key").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  rewrappedAt: timestamp("rewrapped_at", { withTimezone: true }),
});

export const environments = pgTable(
  "environments",
  {
    id: uuid("id").primaryKey(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    slug: text("slug").notNull(),
    name: text("name").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("environments_project_slug_key").on(t.projectId, t.slug)],
);

export const folders = pgTable(
  "folders",
  {
    id: uuid("id").primaryKey(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    environmentId: uuid("environment_id")
      .notNull()
      .references(() => environments.id, { onDelete: "cascade" }),
    path: text("path").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("folders_environment_path_key").on(t.environmentId, t.path)],
);

/**
 * Secrets at their current version; the value is sealed (AES-256-GCM, the project's data key) with
 * associated data binding it to project, secret and version. Comment and metadata are not secret.
 */
export const secrets = pgTable(
  "secrets",
  {
    id: uuid("id").primaryKey(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    folderId: uuid("folder_id")
      .notNull()
      .references(() => folders.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    sealedValue: bytea("sealed_value").notNull(),
    comment: text("comment").notNull().default(""),
    metadata: jsonb("metadata").$type<Record<string, string>>().notNull().default({}),
    version: integer("version").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("secrets_folder_key_key").on(t.folderId, t.key)],
);

/**
 * Every version of every secret (the current one included), written by the same transaction as the
 * secret. Sealed like the secret row (same associated data for the same version). Deleted with the
 * secret: deleting a secret removes its material; the audit log keeps the fact.
 */
export const secretVersions = pgTable(
  "secret_versions",
  {
    secretId: uuid("secret_id")
      .notNull()
      .references(() => secrets.id, { onDelete: "cascade" }),
    version: integer("version").notNull(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    sealedValue: bytea("sealed_value").notNull(),
    comment: text("comment").notNull().default(""),
    metadata: jsonb("metadata").$type<Record<string, string>>().notNull().default({}),
    actor: text("actor").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.secretId, t.version] })],
);

/**
 * The audit log: one row per mutation, written in the mutation's transaction. Not tied to the
 * project row, so a deleted project's history stays readable. Never holds a value.
 */
export const auditEvents = pgTable(
  "audit_events",
  {
    seq: bigserial("seq", { mode: "bigint" }).primaryKey(),
    id: uuid("id").notNull(),
    projectId: uuid("project_id"),
    actor: text("actor").notNull(),
    /** The identity's name when `actor` is an identity (at the time of the change). */
    actorName: text("actor_name"),
    action: text("action").notNull(),
    target: text("target").notNull(),
    details: jsonb("details").$type<Record<string, string>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("audit_events_id_key").on(t.id), index("audit_events_project_seq_idx").on(t.projectId, t.seq)],
);

/** Change events waiting to be published (transactional outbox, see @syncline/outbox). */
export const outbox = outboxTable("outbox");
