export * from "./contract/index.ts";
export { destinationRegistry, appRegistry, destinationDescriptor, appDescriptor } from "./registry.ts";
