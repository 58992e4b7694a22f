export { checkKeySchema, createKeySchema, KEY_SCHEMA_MAX_LENGTH, type KeySchema } from "./key-schema.ts";
export { planDestinationDiff, isEmptyDiff } from "./destination-diff.ts";
