export {
  checkKeySchema,
  createKeySchema,
  foldOwnedKeys,
  ownedKeys,
  ownedKeysOverlap,
  ownsKey,
  KEY_SCHEMA_MAX_LENGTH,
  type KeySchema,
  type OwnedKeys,
} from "./key-schema.ts";
export { planDestinationDiff, isEmptyDiff } from "./destination-diff.ts";
export { diffInputOf, ownedDestinationKeys, type DestinationView } from "./destination-view.ts";
export {
  planImport,
  sourceAfterImport,
  type ImportPlan,
  type ImportPreference,
  type ImportWrite,
} from "./import-plan.ts";
export { claimsOverlap, type KeyClaim } from "./key-claim.ts";
