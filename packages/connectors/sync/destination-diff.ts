import type { DestinationDiff } from "../contract/destination-connector.ts";
import type { KeySchema } from "./key-schema.ts";

/**
 * The changes that make the owned part of a destination equal to the source. `desired` is keyed
 * by source key; `current` is what the destination holds (undefined when it cannot be read back,
 * in which case every desired key is written and nothing is deleted). Destination keys the schema
 * does not own are never touched.
 */
export function planDestinationDiff(input: {
  desired: ReadonlyMap<string, string>;
  current: ReadonlyMap<string, string> | undefined;
  schema: KeySchema;
  allowDeletion: boolean;
}): DestinationDiff {
  const create = new Map<string, string>();
  const update = new Map<string, string>();
  const remove: string[] = [];
  for (const [secretKey, value] of input.desired) {
    const destinationKey = input.schema.toDestination(secretKey);
    const existing = input.current?.get(destinationKey);
    if (existing === undefined) create.set(destinationKey, value);
    else if (existing !== value) update.set(destinationKey, value);
  }
  if (input.current && input.allowDeletion) {
    for (const destinationKey of input.current.keys()) {
      const secretKey = input.schema.fromDestination(destinationKey);
      if (secretKey !== undefined && !input.desired.has(secretKey)) remove.push(destinationKey);
    }
  }
  return { create, update, delete: remove.sort() };
}

/** True when applying the diff would change nothing. */
export function isEmptyDiff(diff: DestinationDiff): boolean {
  return diff.create.size === 0 && diff.update.size === 0 && diff.delete.length === 0;
}
