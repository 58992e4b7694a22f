import { bigserial, index, integer, pgTable, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { folders, projects } from "./schema.ts";

/**
 * How folders compose: imports between folders and the index of references between secrets.
 * Both are read by snapshots and by the change recorder's fan-out; see services/secrets/README.md.
 */

/**
 * A folder importing another folder of the same project. Imports point at folder ids, so they
 * follow a folder that moves; deleting either folder deletes the import. `position` is 1-based and
 * kept contiguous per importing folder (writes are serialised by the project row lock).
 */
export const secretImports = pgTable(
  "secret_imports",
  {
    id: uuid("id").primaryKey(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    folderId: uuid("folder_id")
      .notNull()
      .references(() => folders.id, { onDelete: "cascade" }),
    importFolderId: uuid("import_folder_id")
      .notNull()
      .references(() => folders.id, { onDelete: "cascade" }),
    position: integer("position").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("secret_imports_folder_import_key").on(t.folderId, t.importFolderId),
    index("secret_imports_import_folder_idx").on(t.importFolderId),
    index("secret_imports_project_idx").on(t.projectId),
  ],
);

/**
 * The reference index: one row per reference written in a secret's current value (never the
 * value). `(folder_id, key)` is the referencing secret; the referenced one is
 * `(ref_environment, ref_path, ref_key)`, or `(folder_id, ref_key)` for a `${KEY}` of the same
 * folder (`ref_environment` and `ref_path` null), so it stays right when the folder moves.
 * Rewritten by the change recorder on every write of a value.
 */
export const secretReferences = pgTable(
  "secret_references",
  {
    seq: bigserial("seq", { mode: "bigint" }).primaryKey(),
    projectId: uuid("project_id")
      .notNull()
      .references(() => projects.id, { onDelete: "cascade" }),
    folderId: uuid("folder_id")
      .notNull()
      .references(() => folders.id, { onDelete: "cascade" }),
    key: text("key").notNull(),
    refEnvironment: text("ref_environment"),
    refPath: text("ref_path"),
    refKey: text("ref_key").notNull(),
  },
  (t) => [
    index("secret_references_target_idx").on(t.projectId, t.refEnvironment, t.refPath, t.refKey),
    index("secret_references_source_idx").on(t.folderId, t.key),
  ],
);
