export {
  DomainError,
  isDomainError,
  type DomainErrorOptions,
  type ErrorKind,
  type FieldViolation,
} from "./domain-error.ts";
export {
  alreadyExists,
  assertValid,
  conflict,
  deadlineExceeded,
  failedPrecondition,
  internal,
  invalidArgument,
  limitExceeded,
  notFound,
  permissionDenied,
  unauthenticated,
  unavailable,
  unimplemented,
} from "./factories.ts";
export { backoffDelayMs, type Backoff } from "./backoff.ts";
export { isConnectionFailure } from "./connection-failure.ts";
