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

export async function loadView(db: Database, id: string): Promise<SyncView | undefined> {
  const sync = await findSync(db, id);
  if (!sync) return undefined;
  return { sync, statuses: (await statusesOf(db, [id])).get(id) ?? new Map() };
}

/** Views of several syncs, in the order given (one query for all statuses). */
export async function viewsOf(db: Database, syncs: readonly SyncRow[]): Promise<SyncView[]> {
  const statuses = await statusesOf(
    db,
    syncs.map((sync) => sync.id),
  );
  return syncs.map((sync) => ({ sync, statuses: statuses.get(sync.id) ?? new Map() }));
}
