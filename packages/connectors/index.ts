export * from "./contract/index.ts";
export {
  destinationRegistry,
  appRegistry,
  destinationDescriptor,
  appDescriptor,
  destinationOfConfig,
  destinationLocation,
  locationArea,
  locationsOverlap,
  appOfCredentials,
  connectionInstance,
  exampleCredentialsField,
} from "./registry.ts";
