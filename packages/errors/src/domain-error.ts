/**
 * Syncline's one error vocabulary. Domain and service code throw these; the RPC edge
 * (`@syncline/rpc`) maps each kind to a gRPC status and google.rpc details in one table, and turns
 * a peer's status back into the same kind, so callers (the worker included) classify failures by
 * kind, never by status code. Messages are actionable and never carry a secret value or credential.
 */
export type ErrorKind =
  /** The named thing does not exist (gRPC NOT_FOUND). */
  | "not_found"
  /** A thing with that identity already exists (ALREADY_EXISTS). */
  | "already_exists"
  /** The request is malformed; `violations` name each field (INVALID_ARGUMENT). */
  | "invalid_argument"
  /** The request is well-formed but the system is not in a state to accept it (FAILED_PRECONDITION). */
  | "failed_precondition"
  /** A concurrent change won (optimistic concurrency, fencing); retry after re-reading (ABORTED). */
  | "conflict"
  /** A size or count limit was exceeded; not retryable as it stands (RESOURCE_EXHAUSTED). */
  | "limit_exceeded"
  /** The caller is known but may not do this (PERMISSION_DENIED). */
  | "permission_denied"
  /** The caller is not known (UNAUTHENTICATED). */
  | "unauthenticated"
  /** A dependency is down or did not answer in time; retry with backoff (UNAVAILABLE). */
  | "unavailable"
  /** The peer ran out of time for the call (DEADLINE_EXCEEDED). */
  | "deadline_exceeded"
  /** The operation is not served by this version (UNIMPLEMENTED). */
  | "unimplemented"
  /** The caller gave up on the call (cancelled it) before it finished (CANCELLED). */
  | "cancelled"
  /** A bug or an unexpected state; never a caller's fault (INTERNAL). */
  | "internal";

/** A request field at fault and what is wrong with it, e.g. `{ field: "source.path", description: "…" }`. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

export interface DomainErrorOptions {
  readonly violations?: readonly FieldViolation[];
  /** How long the caller should wait before retrying, when the thrower knows. */
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/** An error meant for the caller: a kind from the vocabulary, an actionable message, field violations. */
export class DomainError extends Error {
  readonly kind: ErrorKind;
  readonly violations: readonly FieldViolation[];
  readonly retryAfterMs: number | undefined;

  constructor(kind: ErrorKind, message: string, options: DomainErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "DomainError";
    this.kind = kind;
    this.violations = options.violations ?? [];
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** True when `error` is a DomainError, optionally of one of `kinds`. */
export function isDomainError(error: unknown, ...kinds: ErrorKind[]): error is DomainError {
  return error instanceof DomainError && (kinds.length === 0 || kinds.includes(error.kind));
}
