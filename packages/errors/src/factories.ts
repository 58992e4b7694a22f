import { DomainError, type DomainErrorOptions, type FieldViolation } from "./domain-error.ts";

/** `${what} not found`, e.g. `notFound("secret sync 1f…")`. */
export function notFound(what: string): DomainError {
  return new DomainError("not_found", `${what} not found`);
}

/** `${what} already exists`. */
export function alreadyExists(what: string): DomainError {
  return new DomainError("already_exists", `${what} already exists`);
}

/** The request is malformed: names every field at fault. */
export function invalidArgument(violations: readonly FieldViolation[]): DomainError {
  const summary = violations.map((v) => `${v.field}: ${v.description}`).join("; ");
  return new DomainError("invalid_argument", `invalid request: ${summary}`, { violations });
}

/** Throws `invalidArgument` when `violations` is not empty. */
export function assertValid(violations: readonly FieldViolation[]): void {
  if (violations.length > 0) throw invalidArgument(violations);
}

/** The system is not in a state to accept the request; `violations` name the fields involved. */
export function failedPrecondition(message: string, violations: readonly FieldViolation[] = []): DomainError {
  return new DomainError("failed_precondition", message, { violations });
}

/** A concurrent change won; the caller should re-read and retry. */
export function conflict(message: string): DomainError {
  return new DomainError("conflict", message);
}

/** A size or count limit was exceeded; retrying the same request cannot help. */
export function limitExceeded(message: string, violations: readonly FieldViolation[] = []): DomainError {
  return new DomainError("limit_exceeded", message, { violations });
}

/** The caller is known but may not do this. */
export function permissionDenied(message: string): DomainError {
  return new DomainError("permission_denied", message);
}

/** The caller could not be identified. */
export function unauthenticated(message: string): DomainError {
  return new DomainError("unauthenticated", message);
}

/** A dependency is down or did not answer; `retryAfterMs` when the thrower knows how long to wait. */
export function unavailable(message: string, options: DomainErrorOptions = {}): DomainError {
  return new DomainError("unavailable", message, options);
}

/** The peer did not answer before the caller's deadline. */
export function deadlineExceeded(message: string): DomainError {
  return new DomainError("deadline_exceeded", message);
}

/** The operation is not served by this version. */
export function unimplemented(message: string): DomainError {
  return new DomainError("unimplemented", message);
}

/** A bug or an unexpected state; the RPC edge shows callers a generic message. */
export function internal(message: string, options: DomainErrorOptions = {}): DomainError {
  return new DomainError("internal", message, options);
}
