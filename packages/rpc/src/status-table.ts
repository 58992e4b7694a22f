import { status as Status } from "@grpc/grpc-js";
import type { ErrorKind } from "@syncline/errors";

/**
 * The one table from Syncline's error vocabulary to gRPC status codes. The server edge answers a
 * DomainError with `statusOfKind[error.kind]`; a client decodes a peer's status back to the kind
 * (from the ErrorInfo detail when present, else with `kindOfStatus`).
 */
export const statusOfKind: Readonly<Record<ErrorKind, Status>> = {
  not_found: Status.NOT_FOUND,
  already_exists: Status.ALREADY_EXISTS,
  invalid_argument: Status.INVALID_ARGUMENT,
  failed_precondition: Status.FAILED_PRECONDITION,
  conflict: Status.ABORTED,
  limit_exceeded: Status.RESOURCE_EXHAUSTED,
  permission_denied: Status.PERMISSION_DENIED,
  unauthenticated: Status.UNAUTHENTICATED,
  unavailable: Status.UNAVAILABLE,
  deadline_exceeded: Status.DEADLINE_EXCEEDED,
  unimplemented: Status.UNIMPLEMENTED,
  cancelled: Status.CANCELLED,
  internal: Status.INTERNAL,
};

/** Codes no kind maps to, and the kind a peer's status with that code means. */
const kindOfUnmappedStatus: Readonly<Partial<Record<Status, ErrorKind>>> = {
  [Status.UNKNOWN]: "internal",
  [Status.OUT_OF_RANGE]: "invalid_argument",
  [Status.DATA_LOSS]: "internal",
};

const kindOfMappedStatus = new Map<Status, ErrorKind>(
  Object.entries(statusOfKind).map(([kind, code]) => [code, kind as ErrorKind]),
);

/** The kind a status code means when the peer sent no ErrorInfo (a non-Syncline server, grpc-js itself). */
export function kindOfStatus(code: Status): ErrorKind {
  return kindOfMappedStatus.get(code) ?? kindOfUnmappedStatus[code] ?? "internal";
}

/** True when `kind` names a kind of the vocabulary (an ErrorInfo reason from a peer may not). */
export function isErrorKind(kind: string): kind is ErrorKind {
  return Object.hasOwn(statusOfKind, kind);
}
