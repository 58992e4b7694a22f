import { ConnectorError, type DestinationDiff } from "../contract/index.ts";
import { foldOwnedKeys, ownsKey, type KeySchema } from "./key-schema.ts";

/** What the worker knows about the destination before writing. */
export interface DestinationDiffInput {
  /** Keyed by source key (before the key schema). */
  readonly desired: ReadonlyMap<string, string>;
  /** Every key and value at the destination (`capabilities.readBack`), or undefined when values cannot be read. */
  readonly current: ReadonlyMap<string, string> | undefined;
  /**
   * Names only (`capabilities.listKeys`, from `connector.listKeys()`), used when `current` is
   * undefined: missing keys are created, every owned key present is updated (its value is
   * unknown, so it is always rewritten), and owned names absent from the source are deleted.
   */
  readonly currentKeys?: ReadonlySet<string> | undefined;
  readonly schema: KeySchema;
  readonly allowDeletion: boolean;
  /** `limits.upperCasesKeys`: compare and emit destination keys upper-cased; two source keys that differ only in case collide. */
  readonly upperCasesKeys?: boolean | undefined;
}

/**
 * The changes that make the owned part of a destination equal to the source. Three levels of
 * knowledge: values (`current`: create, update what differs, delete), names only (`currentKeys`:
 * create, rewrite every present key, delete) or nothing (both undefined: write every desired key
 * as a create, delete nothing). Destination keys the schema does not own are never touched.
 * Throws `ConnectorError("invalid_config")` when `upperCasesKeys` folds two source keys into one.
 */
export function planDestinationDiff(input: DestinationDiffInput): DestinationDiff {
  const fold = input.upperCasesKeys ? (key: string) => key.toUpperCase() : (key: string) => key;
  const owns = ownership(input.schema, input.upperCasesKeys === true);
  const desired = new Map<string, string>();
  const sourceKeyOf = new Map<string, string>();
  for (const [secretKey, value] of input.desired) {
    const destinationKey = fold(input.schema.toDestination(secretKey));
    const other = sourceKeyOf.get(destinationKey);
    if (other !== undefined) {
      throw new ConnectorError(
        "invalid_config",
        `secrets ${other} and ${secretKey} would both be written as ${destinationKey}, and this destination ignores case in key names: rename one of them`,
      );
    }
    sourceKeyOf.set(destinationKey, secretKey);
    desired.set(destinationKey, value);
  }

  const currentValues = input.current
    ? new Map([...input.current].map(([key, value]) => [fold(key), value]))
    : undefined;
  const currentNames = currentValues
    ? new Set(currentValues.keys())
    : input.currentKeys
      ? new Set([...input.currentKeys].map(fold))
      : undefined;
  const create = new Map<string, string>();
  const update = new Map<string, string>();
  for (const [destinationKey, value] of desired) {
    if (!currentNames?.has(destinationKey)) create.set(destinationKey, value);
    else if (!currentValues || currentValues.get(destinationKey) !== value) update.set(destinationKey, value);
  }
  const remove: string[] = [];
  if (currentNames && input.allowDeletion) {
    for (const destinationKey of currentNames) {
      if (owns(destinationKey) && !desired.has(destinationKey)) remove.push(destinationKey);
    }
  }
  return { create, update, delete: remove.sort() };
}

/** True when applying the diff would change nothing. */
export function isEmptyDiff(diff: DestinationDiff): boolean {
  return diff.create.size === 0 && diff.update.size === 0 && diff.delete.length === 0;
}

/**
 * Whether the sync owns a destination key. With upper-cased keys the schema's literal prefix and
 * suffix are compared upper-cased too (`App_{{secretKey}}` owns `APP_DB`).
 */
function ownership(schema: KeySchema, upperCase: boolean): (destinationKey: string) => boolean {
  const owned = upperCase ? foldOwnedKeys(schema.owned, (text) => text.toUpperCase()) : schema.owned;
  return (destinationKey) => ownsKey(owned, destinationKey);
}
