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

export function failedPrecondition(message: string, violations: readonly FieldViolation[] = []): DomainError {
  return new DomainError("failed_precondition", message, { violations });
}

/** A concurrent change won; the caller should re-read and retry. */
export function conflict(message: string): DomainError {
  return new DomainError("conflict", message);
}

export function limitExceeded(message: string, violations: readonly FieldViolation[] = []): DomainError {
  return new DomainError("limit_exceeded", message, { violations });
}

export function permissionDenied(message: string): DomainError {
  return new DomainError("permission_denied", message);
}

export function unauthenticated(message: string): DomainError {
  return new DomainError("unauthenticated", message);
}

export function unavailable(message: string, options: DomainErrorOptions = {}): DomainError {
  return new DomainError("unavailable", message, options);
}

export function internal(message: string, options: DomainErrorOptions = {}): DomainError {
  return new DomainError("internal", message, options);
}
