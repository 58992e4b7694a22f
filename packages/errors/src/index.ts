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
  failedPrecondition,
  internal,
  invalidArgument,
  limitExceeded,
  notFound,
  permissionDenied,
  unauthenticated,
  unavailable,
} from "./factories.ts";
