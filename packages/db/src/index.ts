export { openDatabase, type Database, type DatabaseHandle } from "./open-database.ts";
export { isUniqueViolation } from "./pg-errors.ts";
export { traced } from "./traced.ts";
