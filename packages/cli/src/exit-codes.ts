import type { DomainError, ErrorKind } from "@syncline/errors";

/**
 * The exit codes scripts can rely on (documented in packages/cli/README.md). Stable: a new failure
 * maps to one of these, never to a new meaning of an old number.
 */
export const ExitCode = {
  ok: 0,
  /** Any other failure: the request was refused (already exists, conflict, precondition) or broke. */
  error: 1,
  /** The command line is wrong: unknown command or option, a missing argument, malformed JSON or
   * dotenv, or a request the API refused as INVALID_ARGUMENT. */
  usage: 2,
  /** The thing named does not exist (NOT_FOUND). */
  notFound: 3,
  /** No token, a refused token, or a role that does not allow it (UNAUTHENTICATED, PERMISSION_DENIED). */
  access: 4,
  /** The service could not be reached or did not answer in time (UNAVAILABLE, DEADLINE_EXCEEDED). */
  unavailable: 5,
  /** The run waited on (`--wait`) ended FAILED. */
  runFailed: 6,
  /** `--timeout` elapsed before the run waited on ended (it goes on). */
  waitTimedOut: 7,
} as const;

/** Exit codes by error kind of the API's vocabulary; one table. */
const exitCodeOfKind: Record<ErrorKind, number> = {
  invalid_argument: ExitCode.usage,
  not_found: ExitCode.notFound,
  unauthenticated: ExitCode.access,
  permission_denied: ExitCode.access,
  unavailable: ExitCode.unavailable,
  deadline_exceeded: ExitCode.unavailable,
  already_exists: ExitCode.error,
  failed_precondition: ExitCode.error,
  conflict: ExitCode.error,
  limit_exceeded: ExitCode.error,
  unimplemented: ExitCode.error,
  cancelled: ExitCode.error,
  internal: ExitCode.error,
};

/** The exit code of a failure of the vocabulary. */
export function exitCodeOf(error: DomainError): number {
  return exitCodeOfKind[error.kind];
}
