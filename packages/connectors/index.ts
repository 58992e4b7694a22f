export * from "./contract/index.ts";
export {
  destinationRegistry,
  appRegistry,
  destinationDescriptor,
  appDescriptor,
  destinationOfConfig,
  destinationLocation,
  appOfCredentials,
  connectionInstance,
  exampleCredentialsField,
} from "./registry.ts";
