export { bytea } from "./column-types.ts";
export { asBuffer } from "./driver-values.ts";
export { openDatabase, type Database, type DatabaseHandle } from "./open-database.ts";
export { isUniqueViolation } from "./pg-errors.ts";
export { queryRows } from "./query-rows.ts";
export { traced } from "./traced.ts";
export { certificateFailure, postgresTls, sslModes, type PostgresTls, type SslMode } from "./tls.ts";
