export { runService, type ServiceContext } from "./run-service.ts";
export { platformConfig, metricsConfig, serviceTokenConfig, tokenCacheConfig } from "./platform-config.ts";
export { tokenCacheMetrics } from "./token-cache-metrics.ts";
export { exitOnUncaughtError, isDatabaseDriverFault } from "./uncaught-errors.ts";
