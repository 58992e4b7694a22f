export * from "./connector-error.ts";
export * from "./destination-connector.ts";
export * from "./destination-descriptor.ts";
export * from "./destination-calls.ts";
export * from "./apply-control.ts";
export * from "./app-descriptor.ts";
export * from "./connection-instance.ts";
export * from "./endpoint-guard.ts";
export { safeProviderDetail, networkErrorCode } from "./provider-text.ts";
