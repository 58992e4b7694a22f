export { runService, type ServiceContext } from "./run-service.ts";
export { platformConfig } from "./platform-config.ts";
