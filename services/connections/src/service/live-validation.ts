import {
  ConnectorError,
  toConnectorError,
  type AppDescriptor,
  type ConnectorErrorKind,
  type EndpointGuard,
} from "@syncline/connectors";
import type { ConnectionCredentials } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import { DomainError, type ErrorKind } from "@syncline/errors";
import type { Logger } from "@syncline/telemetry";

type Outcome = { readonly kind: ErrorKind; readonly message: (app: string, detail: string) => string };

const refused: Outcome = {
  kind: "failed_precondition",
  message: (app, detail) => `${app} refused the credentials: ${detail}`,
};
const unreachable: Outcome = {
  kind: "unavailable",
  message: (app, detail) =>
    `could not validate the credentials with ${app} (${detail}); retry later, or set skip_validation to store them unchecked`,
};
const notAccepted: Outcome = {
  kind: "failed_precondition",
  message: (app, detail) => `cannot use these ${app} credentials: ${detail}`,
};

/**
 * How a failed live check reaches the caller, per connector error kind: the one table. Retryable
 * kinds become unavailable (the client may retry); the rest are failed_precondition (fix the
 * credentials or the app first).
 */
const outcomeByKind: Record<ConnectorErrorKind, Outcome> = {
  auth: refused,
  transient: unreachable,
  rate_limited: unreachable,
  conflict: unreachable,
  invalid_config: notAccepted,
  not_found: notAccepted,
  limit_exceeded: notAccepted,
  unsupported: notAccepted,
};

/**
 * Proves the credentials work by calling the app, within `signal`; an endpoint `guard` refusal
 * (internal address) is failed_precondition. Any failure is thrown as a DomainError carrying the
 * connector's message, which the contract guarantees holds no credential.
 * An error that is not a ConnectorError is a connector bug: it counts as transient, and only its
 * type is logged (its text is not bound by the contract and could quote the credentials).
 */
export async function validateLive(
  descriptor: AppDescriptor,
  credentials: ConnectionCredentials,
  options: {
    signal?: AbortSignal | undefined;
    logger?: Pick<Logger, "warn"> | undefined;
    guard?: EndpointGuard | undefined;
  } = {},
): Promise<void> {
  try {
    await descriptor.validateLive(credentials, options.signal, options.guard);
  } catch (error) {
    if (!(error instanceof ConnectorError)) {
      options.logger?.warn(
        { app: descriptor.name, errorType: error instanceof Error ? error.name : typeof error },
        "live validation failed with an unclassified error",
      );
    }
    const connectorError = toConnectorError(error);
    const outcome = outcomeByKind[connectorError.kind];
    const message = outcome.message(descriptor.name, connectorError.message);
    const violations = outcome.kind === "failed_precondition" ? [{ field: "credentials", description: message }] : [];
    throw new DomainError(outcome.kind, message, { violations });
  }
}
