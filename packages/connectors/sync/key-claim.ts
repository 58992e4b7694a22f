import { sameInstance, type ConnectionInstance, type DestinationLimits } from "../contract/index.ts";
import { foldOwnedKeys, ownedKeys, ownedKeysOverlap, type OwnedKeys } from "./key-schema.ts";

/**
 * The keys a sync claims at its location (the descriptor's `location` of its config): what its key
 * schema owns, on the server its connection reaches. The duplicate-destination check refuses a
 * sync whose claim overlaps another's at the same location.
 */
export interface KeyClaim {
  readonly instance: ConnectionInstance;
  readonly keySchema: string;
  /** Binds `{{environment}}`; undefined (no source known) matches any environment. */
  readonly environment: string | undefined;
}

/**
 * Whether two claims at one location of one destination kind can own the same destination key:
 * the same instance (or an unknown one) and owned keys that overlap, compared as the destination
 * compares names: folded by `limits.foldKey`, without case where `limits.upperCasesKeys`.
 */
export function claimsOverlap(
  limits: Pick<DestinationLimits, "upperCasesKeys" | "foldKey">,
  a: KeyClaim,
  b: KeyClaim,
): boolean {
  if (!sameInstance(a.instance, b.instance)) return false;
  const fold = limits.foldKey ?? (limits.upperCasesKeys ? (text: string) => text.toLowerCase() : undefined);
  const owned = (claim: KeyClaim): OwnedKeys => {
    const keys = ownedKeys(claim.keySchema, claim.environment);
    return fold ? foldOwnedKeys(keys, fold) : keys;
  };
  return ownedKeysOverlap(owned(a), owned(b));
}
