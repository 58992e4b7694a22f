import { planDestinationDiff } from "./destination-diff.ts";
import type { KeySchema } from "./key-schema.ts";

/**
 * What a run could learn from the destination before writing: every key with its value (readable
 * destinations, `list`), only the key names (write-only destinations that can list names,
 * `listKeys`), or nothing at all.
 */
export type DestinationView =
  | { readonly kind: "values"; readonly values: ReadonlyMap<string, string> }
  | { readonly kind: "keys"; readonly keys: ReadonlySet<string> }
  | { readonly kind: "blind" };

/** The `current` / `currentKeys` inputs of `planDestinationDiff` for a view. */
export function diffInputOf(view: DestinationView): {
  current: ReadonlyMap<string, string> | undefined;
  currentKeys: ReadonlySet<string> | undefined;
} {
  if (view.kind === "values") return { current: view.values, currentKeys: undefined };
  if (view.kind === "keys") return { current: undefined, currentKeys: view.keys };
  return { current: undefined, currentKeys: undefined };
}

/**
 * The destination keys a sync owns — every key present that its key schema matches, as the
 * destination names them — sorted; empty for a blind view. The same ownership a push uses to delete.
 */
export function ownedDestinationKeys(view: DestinationView, schema: KeySchema, upperCasesKeys = false): string[] {
  return planDestinationDiff({
    desired: new Map(),
    ...diffInputOf(view),
    schema,
    allowDeletion: true,
    upperCasesKeys,
  }).delete.slice();
}
