import type { Database } from "@syncline/db";
import { statusesOf, type StatusRow } from "../store/status-store.ts";
import { findSync, type SyncRow } from "../store/sync-store.ts";

/** Stored rows the use cases return as they are; rpc/ maps them to messages. */
export type { RunRow } from "../store/run-store.ts";
export type { StatusRow };

/** A sync with the status of each of its actions: what the API shows. */
export interface SyncView {
  readonly sync: SyncRow;
  /** By SyncAction; an action that never ran has none. */
  readonly statuses: ReadonlyMap<number, StatusRow>;
}

/**
 * Runs `read` in one repeatable-read, read-only transaction. A run's result changes the sync row
 * (last synced revision) and its status together; read in two statements outside one snapshot, a
 * view could pair the new status with the old row (SUCCEEDED at a revision older than the run wrote).
 */
export function inOneSnapshot<T>(db: Database, read: (tx: Database) => Promise<T>): Promise<T> {
  return db.transaction((tx) => read(tx), { isolationLevel: "repeatable read", accessMode: "read only" });
}

/** The view of one sync as the API shows it: its row and statuses from one snapshot. */
export function readView(db: Database, id: string): Promise<SyncView | undefined> {
  return inOneSnapshot(db, (tx) => loadView(tx, id));
}

/** The view of one sync; call it inside `inOneSnapshot` (or a transaction) for a consistent one. */
export async function loadView(db: Database, id: string): Promise<SyncView | undefined> {
  const sync = await findSync(db, id);
  if (!sync) return undefined;
  return { sync, statuses: (await statusesOf(db, [id])).get(id) ?? new Map() };
}

/** Views of several syncs, in the order given (one query for all statuses); read in the rows' snapshot. */
export async function viewsOf(db: Database, syncs: readonly SyncRow[]): Promise<SyncView[]> {
  const statuses = await statusesOf(
    db,
    syncs.map((sync) => sync.id),
  );
  return syncs.map((sync) => ({ sync, statuses: statuses.get(sync.id) ?? new Map() }));
}
