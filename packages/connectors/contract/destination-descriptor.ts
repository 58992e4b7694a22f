import type { App, ConnectionCredentials } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { Destination, DestinationConfig } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type {
  ConnectorContext,
  DestinationCapabilities,
  DestinationConnector,
  DestinationLimits,
} from "./destination-connector.ts";

/** A `DestinationConfig.destination` oneof case, e.g. `vaultKv`: one per destination kind. */
export type DestinationConfigCase = NonNullable<DestinationConfig["destination"]["case"]>;

/** The message a `DestinationConfig` case carries, e.g. `VaultKvDestinationConfig` for `vaultKv`. */
export type DestinationConfigMessage<Case extends DestinationConfigCase> = Extract<
  DestinationConfig["destination"],
  { case: Case }
>["value"];

/** One field of a destination config as ListDestinations and the generated docs page show it. */
export interface DestinationConfigField {
  /** Proto field path inside `destination_config`, e.g. `vault_kv.mount`. */
  readonly name: string;
  /** What it means, with an example. */
  readonly description: string;
  readonly required: boolean;
  /** The rules a value must follow, in words (docs page only); the type comes from the proto. */
  readonly rules?: string;
}

/** The destination's own text of its docs page (`docs/destinations/<name>.md`, generated). */
export interface DestinationDocs {
  /** The page's file name without `.md`, e.g. `hashicorp-vault`. */
  readonly slug: string;
  /** What a sync owns there and how it writes, in Markdown: the page's opening. */
  readonly summary: string;
  /** Further paragraphs (Markdown), each under its own heading. */
  readonly sections: readonly { readonly title: string; readonly body: string }[];
  /** A config the example `CreateSecretSync` request on the page uses; a test parses it. */
  readonly exampleConfig: DestinationConfig;
  /** A key schema that suits this destination's key rule, for the example request. */
  readonly exampleKeySchema: string;
}

/** How locations of one destination kind overlap beyond equality (see `DestinationDescriptor.locationOverlap`). */
export interface LocationOverlap {
  /** The prefix of `location` that every location it can overlap starts with. */
  area(location: string): string;
  overlaps(a: string, b: string): boolean;
}

/**
 * The registry entry of one destination kind: everything the services need to know about it —
 * identity, proto oneof case, app, capabilities, limits, how to read its typed config and
 * credentials out of the protobuf oneofs, where a config writes (for the duplicate-destination
 * check), how to build a connector, and the text of its docs page.
 */
export interface DestinationDescriptor<
  Config = unknown,
  Credentials = unknown,
  Case extends DestinationConfigCase = DestinationConfigCase,
> {
  readonly destination: Destination;
  /** The `DestinationConfig.destination` case that selects this kind. */
  readonly configCase: Case;
  /** Display name, e.g. "HashiCorp Vault (KV v2)". */
  readonly name: string;
  /** The app whose connections this destination accepts. */
  readonly app: App;
  readonly capabilities: DestinationCapabilities;
  /** Limits; `upperCasesKeys` also makes the duplicate-destination check compare owned keys without case. */
  readonly limits: DestinationLimits;
  /**
   * Every field of this kind's DestinationConfig case, for ListDestinations (forms, generated
   * docs). Names are proto field paths inside `destination_config` (`vault_kv.mount`).
   */
  readonly configFields: readonly DestinationConfigField[];
  /** Extracts and validates the typed config; throws `ConnectorError("invalid_config")` naming the field. */
  parseConfig(config: DestinationConfig | undefined): Config;
  /**
   * A stable name of the one place a (parsed) config writes to, e.g. `vault-kv:secret/apps/api`,
   * normalised so that configs the destination treats as one place get one name. Two syncs can
   * overlap only at the same location and instance. Stored with each sync: never change the form
   * for configs that exist.
   */
  location(config: Config): string;
  /**
   * For kinds whose different locations can still reach the same keys (GitLab's `*` environment
   * scope covers every environment): `area(location)` is the part overlapping locations share — the
   * duplicate-destination check reads and locks the syncs of one area — and `overlaps(a, b)`
   * decides between two locations of an area. Absent: only equal locations overlap.
   */
  readonly locationOverlap?: LocationOverlap;
  /** Extracts this app's credentials; throws `ConnectorError("invalid_config")` for another app. */
  parseCredentials(credentials: ConnectionCredentials | undefined): Credentials;
  /** Builds a connector; performs no I/O. */
  create(context: ConnectorContext<Config, Credentials>): DestinationConnector;
  readonly docs: DestinationDocs;
}
