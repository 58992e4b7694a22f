import type {
  App,
  AuthMethod,
  ConnectionCredentials,
  RedactedCredentials,
} from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import type { EndpointGuard } from "./endpoint-guard.ts";

/** One credential problem, naming the request field at fault (e.g. `credentials.vault.instance_url`). */
export interface CredentialViolation {
  readonly field: string;
  readonly description: string;
}

/**
 * The registry entry of one third-party app: how the connections service checks, redacts and
 * live-validates its credentials without knowing the app.
 */
export interface AppDescriptor {
  readonly app: App;
  readonly name: string;
  /** Shape checks only (no I/O); an empty list means well-formed. */
  checkCredentials(credentials: ConnectionCredentials): CredentialViolation[];
  /** The auth method the credentials use. */
  methodOf(credentials: ConnectionCredentials): AuthMethod;
  /** The non-secret part of the credentials, safe to return to any caller. */
  redact(credentials: ConnectionCredentials): RedactedCredentials;
  /**
   * Calls the app to prove the credentials work; throws `ConnectorError` (kind `auth`, …) if not,
   * and `invalid_config` without calling when `guard` (default `defaultEndpointGuard()`) refuses the endpoint.
   */
  validateLive(credentials: ConnectionCredentials, signal?: AbortSignal, guard?: EndpointGuard): Promise<void>;
}
