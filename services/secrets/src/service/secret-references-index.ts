import type { Database } from "@syncline/db";
import { KeyChangeKind } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { mayReference, parseValue, referencesOf } from "../domain/secret-reference.ts";
import { replaceReferences, type FolderPlace, type IndexedReference } from "../store/composition-store.ts";

/** One secret write as the reference index sees it. */
export interface IndexedWrite {
  readonly place: FolderPlace;
  readonly key: string;
  readonly kind: KeyChangeKind;
  /** The plaintext written; undefined when the write left the value as it was. */
  readonly value: string | undefined;
}

/**
 * Keeps the reference index equal to the references in current values: a deleted secret loses its
 * rows, a secret written with a value gets the references parsed from it (set-based: one delete
 * and one insert per call, whatever the number of writes). Only addresses are stored.
 */
export async function indexReferences(tx: Database, projectId: string, writes: readonly IndexedWrite[]): Promise<void> {
  const rewritten: Array<{ folderId: string; key: string }> = [];
  const rows: IndexedReference[] = [];
  for (const write of writes) {
    const deleted = write.kind === KeyChangeKind.DELETED;
    if (!deleted && write.value === undefined) continue;
    rewritten.push({ folderId: write.place.folderId, key: write.key });
    if (deleted || !mayReference(write.value!)) continue;
    for (const { address, local } of referencesOf(parseValue(write.value!, write.place))) {
      rows.push({
        folderId: write.place.folderId,
        key: write.key,
        refEnvironment: local ? null : address.environment,
        refPath: local ? null : address.path,
        refKey: address.key,
      });
    }
  }
  if (rewritten.length > 0) await replaceReferences(tx, projectId, rewritten, rows);
}
