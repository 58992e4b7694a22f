import { ConnectorError, type SyncOwner } from "../contract/index.ts";

/** The annotation recording which sync owns which keys of the Secret: JSON `{ syncId: { projectId, keys } }`. */
export const OWNERS_ANNOTATION = "syncline.dev/owners";
/** The label every Secret Syncline created carries; only such a Secret is ever deleted. */
export const MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
export const MANAGED_BY_VALUE = "syncline";

/** One sync's claim on keys of the Secret. */
export interface OwnerEntry {
  readonly projectId: string;
  readonly keys: ReadonlySet<string>;
}

/** Every sync's claim, by sync id. */
export type Owners = ReadonlyMap<string, OwnerEntry>;

/** Reads the owners annotation; an unreadable one is `invalid_config` (someone edited it by hand). */
export function readOwners(annotations: Readonly<Record<string, string>>, where: string): Owners {
  const raw = annotations[OWNERS_ANNOTATION];
  const owners = new Map<string, OwnerEntry>();
  if (raw === undefined || raw.trim() === "") return owners;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw unreadable(where);
  for (const [syncId, entry] of Object.entries(parsed)) {
    const { projectId, keys } = (entry ?? {}) as { projectId?: unknown; keys?: unknown };
    if (!Array.isArray(keys) || !keys.every((k) => typeof k === "string")) throw unreadable(where);
    owners.set(syncId, { projectId: typeof projectId === "string" ? projectId : "", keys: new Set(keys) });
  }
  return owners;
}

/** The annotation value for `owners`, sorted so an unchanged claim writes the same text; undefined when nobody owns anything. */
export function writeOwners(owners: Owners): string | undefined {
  const entries = [...owners]
    .filter(([, entry]) => entry.keys.size > 0)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([syncId, entry]) => [syncId, { projectId: entry.projectId, keys: [...entry.keys].sort() }] as const);
  return entries.length === 0 ? undefined : JSON.stringify(Object.fromEntries(entries));
}

/** The sync (other than `owner`) that claims `key`, if any. */
export function otherOwnerOf(owners: Owners, key: string, owner: SyncOwner | undefined): string | undefined {
  for (const [syncId, entry] of owners) if (syncId !== owner?.syncId && entry.keys.has(key)) return syncId;
  return undefined;
}

/** Whether any sync other than `owner` still claims a key. */
export function othersOwnKeys(owners: Owners, owner: SyncOwner | undefined): boolean {
  return [...owners].some(([syncId, entry]) => syncId !== owner?.syncId && entry.keys.size > 0);
}

function unreadable(where: string): ConnectorError {
  return new ConnectorError(
    "invalid_config",
    `the ${OWNERS_ANNOTATION} annotation of ${where} is not Syncline's ownership record (JSON { syncId: { projectId, keys } }): restore or remove it`,
  );
}
