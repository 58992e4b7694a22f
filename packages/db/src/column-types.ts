import { customType } from "drizzle-orm/pg-core";
import { asBuffer } from "./driver-values.ts";

/**
 * A `bytea` column whose values are always `Buffer`s, on PostgreSQL and on PGlite alike. Every
 * service schema uses this one, so no store or service code depends on the driver for bytes.
 */
export const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => "bytea",
  fromDriver: (value) => asBuffer(value),
});
