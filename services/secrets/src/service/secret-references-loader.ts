import type { Database } from "@syncline/db";
import type { StoredValueLookup } from "../domain/reference-expansion.ts";
import {
  addressKey,
  mayReference,
  parseValue,
  referenceLimits,
  referencesOf,
  type ReferenceAddress,
} from "../domain/secret-reference.ts";
import { loadSecretsAt, type StoredSecret } from "../store/composition-store.ts";

/** Opens sealed secrets of one project (the project's data key is unwrapped once by the caller). */
export type OpenSecret = (secret: StoredSecret) => string;

/**
 * The stored values expansion may need, loaded level by level: the values already read (whole
 * folders, for a snapshot), then what they reference, then what that references, … down to
 * `referenceLimits.depth` levels: one query per level, never one per reference.
 */
export interface ReferencedValues {
  /**
   * Adds secrets already read, opened only if a reference needs them; `folders` lists the folders
   * read whole (a key absent there does not exist).
   */
  add(
    secrets: Iterable<StoredSecret & { value?: string }>,
    folders?: Iterable<{ environment: string; path: string }>,
  ): void;
  /** Sets a value without storing it (the candidate of a validation). */
  override(address: ReferenceAddress, value: string): void;
  /** Loads everything `roots` reference, transitively, up to the depth bound. */
  loadFrom(roots: Iterable<{ address: ReferenceAddress; value: string }>): Promise<void>;
  readonly lookup: StoredValueLookup;
}

/** Starts an empty set of referenced values for one project, read in the caller's transaction. */
export function createReferencedValues(tx: Database, projectId: string, open: OpenSecret): ReferencedValues {
  const values = new Map<string, string | null | StoredSecret>();
  const wholeFolders = new Set<string>();
  const folderId = (a: { environment: string; path: string }) => `${a.environment}\u0000${a.path}`;

  const lookup: StoredValueLookup = (address) => {
    const id = addressKey(address);
    const known = values.get(id);
    if (known === undefined) return wholeFolders.has(folderId(address)) ? null : undefined;
    if (known === null || typeof known === "string") return known;
    const value = open(known);
    values.set(id, value);
    return value;
  };

  return {
    lookup,
    add(secrets, folders = []) {
      for (const secret of secrets) values.set(addressKey(secret), secret.value ?? secret);
      for (const folder of folders) wholeFolders.add(folderId(folder));
    },
    override(address, value) {
      values.set(addressKey(address), value);
    },
    async loadFrom(roots) {
      let level = [...roots];
      const explored = new Set(level.map((r) => addressKey(r.address)));
      for (let depth = 1; depth <= referenceLimits.depth && level.length > 0; depth++) {
        const wanted = new Map<string, ReferenceAddress>();
        const next: Array<{ address: ReferenceAddress; value: string }> = [];
        for (const { address, value } of level) {
          if (!mayReference(value)) continue;
          for (const { address: target } of referencesOf(parseValue(value, address))) {
            const id = addressKey(target);
            if (explored.has(id)) continue;
            const known = lookup(target);
            if (known === undefined) {
              wanted.set(id, target);
              continue;
            }
            explored.add(id);
            if (known !== null) next.push({ address: target, value: known });
          }
        }
        if (wanted.size > 0) {
          for (const secret of await loadSecretsAt(tx, projectId, [...wanted.values()])) {
            const address = { environment: secret.environment, path: secret.path, key: secret.key };
            const value = open(secret);
            values.set(addressKey(address), value);
            next.push({ address, value });
          }
          for (const [id] of wanted) {
            explored.add(id);
            if (!values.has(id)) values.set(id, null);
          }
        }
        level = next;
      }
    },
  };
}
