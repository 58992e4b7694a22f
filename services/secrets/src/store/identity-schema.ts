import { bytea } from "@syncline/db";
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  check,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { projects } from "./schema.ts";

/** Identities (machines or users); `version` increases with each update (UpdateIdentity's expected version). */
export const identities = pgTable(
  "identities",
  {
    id: uuid("id").primaryKey(),
    name: text("name").notNull(),
    organizationAdmin: boolean("organization_admin").notNull().default(false),
    version: bigint("version", { mode: "bigint" }).notNull().default(sql`1`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("identities_name_key").on(t.name)],
);

/**
 * Identity tokens: the id locates the row, the secret's SHA-256 digest proves the token; the value
 * is never stored. Rows outlive their identity (revoked) so audit rows keep pointing somewhere.
 */
export const identityTokens = pgTable(
  "identity_tokens",
  {
    id: text("id").primaryKey(),
    identityId: uuid("identity_id").notNull(),
    name: text("name").notNull(),
    secretDigest: bytea("secret_digest").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    revokedAt: timestamp("revoked_at", { withTimezone: true }),
    lastUsedAt: timestamp("last_used_at", { withTimezone: true }),
  },
  (t) => [index("identity_tokens_identity_idx").on(t.identityId, t.createdAt)],
);

/** One identity's role in one project; gone with the project or the identity. */
export const projectMembers = pgTable(
  "project_members",
  {
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    identityId: uuid("identity_id")
      .notNull()
      .references(() => identities.id, { onDelete: "cascade" }),
    role: text("role").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.identityId] }),
    index("project_members_identity_idx").on(t.identityId),
    check("project_members_role_check", sql`${t.role} in ('viewer', 'developer', 'admin')`),
  ],
);
