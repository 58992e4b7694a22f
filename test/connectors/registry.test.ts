import { create } from "@bufbuild/protobuf";
import { App, ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination, DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../packages/connectors/contract/index.ts";
import {
  appDescriptor,
  appOfCredentials,
  appRegistry,
  destinationDescriptor,
  destinationOfConfig,
  destinationRegistry,
  exampleCredentialsField,
} from "../../packages/connectors/index.ts";
import { vaultApp } from "../../packages/connectors/vault/vault-app.ts";
import { vaultKvDestination } from "../../packages/connectors/vault/vault-kv-destination.ts";

describe("connector registry", () => {
  it("is exhaustive over the enums at compile time", () => {
    // @ts-expect-error a destination registry without an entry per Destination must not compile
    const missingDestination: typeof destinationRegistry = {};
    // @ts-expect-error an app registry without an entry per App must not compile
    const missingApp: typeof appRegistry = {};
    expect([missingDestination, missingApp]).toEqual([{}, {}]);
  });

  it("files every descriptor under its own kind, with an app that has a descriptor", () => {
    for (const [key, descriptor] of Object.entries(destinationRegistry)) {
      expect(descriptor.destination).toBe(Number(key));
      expect(appDescriptor(descriptor.app).app).toBe(descriptor.app);
    }
    for (const [key, descriptor] of Object.entries(appRegistry)) expect(descriptor.app).toBe(Number(key));
  });

  it("finds descriptors by oneof case, and nothing for a message without a case", () => {
    for (const descriptor of Object.values(destinationRegistry)) {
      expect(destinationOfConfig(descriptor.docs.exampleConfig)).toBe(descriptor);
    }
    for (const app of Object.values(appRegistry)) expect(appOfCredentials(app.docs.exampleCredentials)).toBe(app);
    expect(destinationOfConfig(create(DestinationConfigSchema))).toBeUndefined();
    expect(destinationOfConfig(undefined)).toBeUndefined();
    expect(appOfCredentials(create(ConnectionCredentialsSchema))).toBeUndefined();
    expect(exampleCredentialsField()).toBe("credentials.vault");
  });

  it("looks up HashiCorp Vault", () => {
    expect(destinationDescriptor(Destination.HASHICORP_VAULT)).toBe(vaultKvDestination);
    expect(appDescriptor(App.HASHICORP_VAULT)).toBe(vaultApp);
  });

  it.each([
    ["unspecified destination", () => destinationDescriptor(Destination.UNSPECIFIED), "destination: is required"],
    ["unknown destination", () => destinationDescriptor(99 as Destination), "destination: 99"],
    ["unspecified app", () => appDescriptor(App.UNSPECIFIED), "app: is required"],
    ["unknown app", () => appDescriptor(99 as App), "app: 99"],
  ])("refuses an %s as invalid_config", (_name, lookup, message) => {
    expect(lookup).toThrow(ConnectorError);
    try {
      lookup();
    } catch (error) {
      expect((error as ConnectorError).kind).toBe("invalid_config");
      expect((error as ConnectorError).message).toContain(message);
    }
  });
});
