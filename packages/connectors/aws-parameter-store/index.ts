export { parameterStoreDestination } from "./parameter-store-destination.ts";
export {
  parseParameterStoreConfig,
  parameterStoreLimits,
  parameterName,
  STANDARD_TIER_MAX_BYTES,
  ADVANCED_TIER_MAX_BYTES,
  type ParameterStoreConfig,
} from "./parameter-store-config.ts";
export { PARAMETER_STORE_WRITES_PER_BATCH } from "./parameter-store-connector.ts";
