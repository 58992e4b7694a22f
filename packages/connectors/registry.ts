import { App } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { ConnectorError, type AppDescriptor, type DestinationDescriptor } from "./contract/index.ts";
import { githubActionsDestination } from "./github/github-actions-destination.ts";
import { githubApp } from "./github/github-app.ts";
import { vaultApp } from "./vault/vault-app.ts";
import { vaultKvDestination } from "./vault/vault-kv-destination.ts";

/**
 * Every destination kind Syncline can write to. Typed over the enum, so adding a value to
 * `Destination` in the proto without an entry here does not compile. Config and credential types
 * differ per entry (`any`); callers only pass what the entry's own parseConfig/parseCredentials return.
 */
export const destinationRegistry: Record<
  Exclude<Destination, Destination.UNSPECIFIED>,
  DestinationDescriptor<any, any>
> = Object.freeze({
  [Destination.HASHICORP_VAULT]: vaultKvDestination,
  [Destination.GITHUB_ACTIONS]: githubActionsDestination,
});

/** Every app a connection can reach; like `destinationRegistry`, a missing entry is a compile error. */
export const appRegistry: Record<Exclude<App, App.UNSPECIFIED>, AppDescriptor> = Object.freeze({
  [App.HASHICORP_VAULT]: vaultApp,
  [App.GITHUB]: githubApp,
});

/** The descriptor of a destination kind; throws `ConnectorError("invalid_config")` for UNSPECIFIED or a kind this build lacks. */
export function destinationDescriptor(destination: Destination): DestinationDescriptor<any, any> {
  const descriptor = lookup(destinationRegistry, destination);
  if (descriptor) return descriptor;
  throw new ConnectorError(
    "invalid_config",
    destination === Destination.UNSPECIFIED
      ? "destination: is required (e.g. DESTINATION_HASHICORP_VAULT)"
      : `destination: ${destination} is not a destination kind this Syncline supports`,
  );
}

/** The descriptor of an app; throws `ConnectorError("invalid_config")` for UNSPECIFIED or an app this build lacks. */
export function appDescriptor(app: App): AppDescriptor {
  const descriptor = lookup(appRegistry, app);
  if (descriptor) return descriptor;
  throw new ConnectorError(
    "invalid_config",
    app === App.UNSPECIFIED
      ? "app: is required (e.g. APP_HASHICORP_VAULT)"
      : `app: ${app} is not an app this Syncline supports`,
  );
}

function lookup<T>(registry: Readonly<Record<number, T>>, key: number): T | undefined {
  return Object.hasOwn(registry, key) ? registry[key] : undefined;
}
