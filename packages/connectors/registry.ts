import {
  App,
  type AppConnection,
  type ConnectionCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { Destination, type DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import {
  ConnectorError,
  knownInstance,
  UNKNOWN_INSTANCE,
  type AppDescriptor,
  type ConnectionInstance,
  type CredentialsCase,
  type DestinationConfigCase,
  type DestinationDescriptor,
} from "./contract/index.ts";
import { gcpApp } from "./gcp-secret-manager/gcp-app.ts";
import { gcpSecretManagerDestination } from "./gcp-secret-manager/gcp-secret-manager-destination.ts";
import { azureApp } from "./azure-key-vault/azure-app.ts";
import { azureKeyVaultDestination } from "./azure-key-vault/azure-key-vault-destination.ts";
import { awsApp } from "./aws/aws-app.ts";
import { parameterStoreDestination } from "./aws-parameter-store/parameter-store-destination.ts";
import { secretsManagerDestination } from "./aws-secrets-manager/secrets-manager-destination.ts";
import { githubActionsDestination } from "./github/github-actions-destination.ts";
import { githubApp } from "./github/github-app.ts";
import { gitlabApp } from "./gitlab-ci-cd/gitlab-app.ts";
import { gitlabCiCdDestination } from "./gitlab-ci-cd/gitlab-ci-cd-destination.ts";
import { kubernetesApp } from "./kubernetes-secret/kubernetes-app.ts";
import { kubernetesSecretDestination } from "./kubernetes-secret/kubernetes-secret-destination.ts";
import { vaultApp } from "./vault/vault-app.ts";
import { vaultKvDestination } from "./vault/vault-kv-destination.ts";

/**
 * Every destination kind Syncline can write to: one line per destination. Keyed by the enum, so
 * adding a value to `Destination` in the proto without an entry here does not compile, and
 * `destinationByCase` below does not compile until an entry claims every `DestinationConfig` case.
 */
const destinations = {
  [Destination.HASHICORP_VAULT]: vaultKvDestination,
  [Destination.GITHUB_ACTIONS]: githubActionsDestination,
  [Destination.GITLAB_CI_CD]: gitlabCiCdDestination,
  [Destination.KUBERNETES_SECRET]: kubernetesSecretDestination,
  [Destination.GCP_SECRET_MANAGER]: gcpSecretManagerDestination,
  [Destination.AZURE_KEY_VAULT]: azureKeyVaultDestination,
  [Destination.AWS_SECRETS_MANAGER]: secretsManagerDestination,
  [Destination.AWS_PARAMETER_STORE]: parameterStoreDestination,
} as const satisfies Record<Exclude<Destination, Destination.UNSPECIFIED>, AnyDestinationDescriptor>;

/** Every app a connection can reach: one line per app; a missing entry or credentials case is a compile error. */
const apps = {
  [App.HASHICORP_VAULT]: vaultApp,
  [App.GITHUB]: githubApp,
  [App.GITLAB]: gitlabApp,
  [App.KUBERNETES]: kubernetesApp,
  [App.GCP]: gcpApp,
  [App.AZURE]: azureApp,
  [App.AWS]: awsApp,
} as const satisfies Record<Exclude<App, App.UNSPECIFIED>, AppDescriptor>;

/**
 * The destination registry as the services read it. Config and credential types differ per entry
 * (`any`); callers only pass what the entry's own parseConfig/parseCredentials return.
 */
export const destinationRegistry: Record<
  Exclude<Destination, Destination.UNSPECIFIED>,
  AnyDestinationDescriptor
> = Object.freeze(destinations);

/** The app registry as the services read it. */
export const appRegistry: Record<Exclude<App, App.UNSPECIFIED>, AppDescriptor> = Object.freeze(apps);

/** The same descriptors by oneof case; a case no descriptor claims does not compile. */
const destinationByCase: Record<DestinationConfigCase, DestinationDescriptor> = indexByCase(
  Object.values(destinations),
  (descriptor) => descriptor.configCase,
);
const appByCase: Record<CredentialsCase, AppDescriptor> = indexByCase(
  Object.values(apps),
  (app) => app.credentialsCase,
);

/** The descriptor of a destination kind; throws `ConnectorError("invalid_config")` for UNSPECIFIED or a kind this build lacks. */
export function destinationDescriptor(destination: Destination): AnyDestinationDescriptor {
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

/** The destination kind a config selects by its oneof case, or undefined when no case is set. */
export function destinationOfConfig(config: DestinationConfig | undefined): DestinationDescriptor | undefined {
  const configCase = config?.destination.case;
  return configCase === undefined ? undefined : destinationByCase[configCase];
}

/**
 * Where a config writes (the descriptor's `location` of the parsed config), for the
 * duplicate-destination check. Throws `ConnectorError("invalid_config")` for a config without a
 * case or one its descriptor refuses; callers pass configs they already validated.
 */
export function destinationLocation(config: DestinationConfig): string {
  const descriptor = destinationOfConfig(config);
  if (!descriptor) throw new ConnectorError("invalid_config", "destination_config: must set exactly one destination");
  return descriptor.location(descriptor.parseConfig(config));
}

/**
 * The part of `location` that every location able to overlap it starts with: the location itself
 * unless the kind declares `locationOverlap`. The duplicate-destination check reads and locks by it.
 */
export function locationArea(destination: Destination, location: string): string {
  return destinationDescriptor(destination).locationOverlap?.area(location) ?? location;
}

/** Can two locations of one destination kind reach the same keys? Equal ones always can. */
export function locationsOverlap(destination: Destination, a: string, b: string): boolean {
  if (a === b) return true;
  const rule = destinationDescriptor(destination).locationOverlap;
  return rule !== undefined && rule.area(a) === rule.area(b) && rule.overlaps(a, b);
}

/** The app credentials are for, by their oneof case, or undefined when no case is set. */
export function appOfCredentials(credentials: ConnectionCredentials | undefined): AppDescriptor | undefined {
  const credentialsCase = credentials?.app.case;
  return credentialsCase === undefined ? undefined : appByCase[credentialsCase];
}

/** A request field that selects one app's credentials, for messages: `credentials.vault` for the first app. */
export function exampleCredentialsField(): string {
  const [first] = Object.values(apps);
  return `credentials.${snakeCase(first!.credentialsCase)}`;
}

/**
 * The server a connection reaches, normalised by its app (`AppDescriptor.instanceOf`), or
 * `UNKNOWN_INSTANCE` when the connection carries no redacted view (matches every instance).
 */
export function connectionInstance(connection: AppConnection): ConnectionInstance {
  const redacted = connection.redacted?.app;
  if (redacted?.case === undefined) return UNKNOWN_INSTANCE;
  return knownInstance(appByCase[redacted.case].instanceOf(redacted.value as never));
}

/** A descriptor of any destination kind, with its own config and credential types. */
// biome-ignore lint/suspicious/noExplicitAny: each entry has its own config and credential types
type AnyDestinationDescriptor = DestinationDescriptor<any, any>;

function indexByCase<T, C extends string>(entries: readonly T[], caseOf: (entry: T) => C): Record<C, T> {
  return Object.freeze(Object.fromEntries(entries.map((entry) => [caseOf(entry), entry]))) as Record<C, T>;
}

function snakeCase(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function lookup<T>(registry: Readonly<Record<number, T>>, key: number): T | undefined {
  return Object.hasOwn(registry, key) ? registry[key] : undefined;
}
