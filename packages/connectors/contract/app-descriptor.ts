import type {
  App,
  AuthMethod,
  ConnectionCredentials,
  RedactedCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { EndpointGuard } from "./endpoint-guard.ts";

/** A `ConnectionCredentials.app` oneof case, e.g. `vault`: one per app (the redacted view uses the same case). */
export type CredentialsCase = NonNullable<ConnectionCredentials["app"]["case"]>;

/** The non-secret view of one app's credentials (`RedactedCredentials` case), e.g. `VaultCredentialsView`. */
export type RedactedCredentialsView<Case extends CredentialsCase> = RedactedViews[Case];

type RedactedViews = {
  [View in RedactedCredentials["app"] as View extends { case: infer C extends string } ? C : never]: View extends {
    value: infer Value;
  }
    ? Value
    : never;
} & Record<CredentialsCase, unknown>;

/** One credential problem, naming the request field at fault (e.g. `credentials.vault.instance_url`). */
export interface CredentialViolation {
  readonly field: string;
  readonly description: string;
}

/** One credentials field as the generated docs page shows it. */
export interface CredentialField {
  /** Request field path, e.g. `credentials.vault.instance_url`. */
  readonly name: string;
  readonly description: string;
  readonly required: boolean;
  /** Write-only: never shown back (tokens, keys). */
  readonly secret: boolean;
}

/** One auth method an app accepts, as ListApps and the docs page show it. */
export interface AuthMethodDocs {
  readonly method: AuthMethod;
  readonly description: string;
  /** The fields this method needs besides the app's common `credentialFields` (e.g. `credentials.vault.token.token`). */
  readonly fields: readonly CredentialField[];
}

/** The app's own text of the credentials part of its destinations' docs pages, and of its ListApps entry. */
export interface AppDocs {
  /** How a connection authenticates and what it needs (Markdown). */
  readonly summary: string;
  /** Every auth method the app accepts, with what it needs. */
  readonly authMethods: readonly AuthMethodDocs[];
  /** Fields every auth method needs (the address, a namespace). */
  readonly credentialFields: readonly CredentialField[];
  /** Credentials for the example `CreateAppConnection` request, with placeholder secrets only. */
  readonly exampleCredentials: ConnectionCredentials;
}

/**
 * The registry entry of one third-party app: how the connections service checks, redacts and
 * live-validates its credentials, and how the orchestrator tells which server a connection reaches,
 * without knowing the app.
 */
export interface AppDescriptor<Case extends CredentialsCase = CredentialsCase> {
  readonly app: App;
  /** The `ConnectionCredentials.app` (and `RedactedCredentials.app`) case of this app. */
  readonly credentialsCase: Case;
  readonly name: string;
  /**
   * Words that name the provider (`GitHub`, `Vault`): destination-neutral code must not contain
   * them (test/contract/destination-neutral-services.test.ts reads them from the registry).
   */
  readonly providerWords: readonly string[];
  /** Shape checks only (no I/O); an empty list means well-formed. */
  checkCredentials(credentials: ConnectionCredentials): CredentialViolation[];
  /** The auth method the credentials use. */
  methodOf(credentials: ConnectionCredentials): AuthMethod;
  /** The non-secret part of the credentials, safe to return to any caller. */
  redact(credentials: ConnectionCredentials): RedactedCredentials;
  /**
   * The server a connection reaches, normalised so that two spellings of one server are equal
   * (e.g. `https://vault:8200|team-a`); never empty. Used by the duplicate-destination check.
   */
  instanceOf(view: RedactedCredentialsView<Case>): string;
  /**
   * Calls the app to prove the credentials work; throws `ConnectorError` (kind `auth`, …) if not,
   * and `invalid_config` without calling when `guard` (default `defaultEndpointGuard()`) refuses the endpoint.
   */
  validateLive(credentials: ConnectionCredentials, signal?: AbortSignal, guard?: EndpointGuard): Promise<void>;
  readonly docs: AppDocs;
}
