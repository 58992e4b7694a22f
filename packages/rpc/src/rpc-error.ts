import type { status as Status } from "@grpc/grpc-js";
import { DomainError, unimplemented, type ErrorKind, type FieldViolation } from "@syncline/errors";
import { kindOfStatus, statusOfKind } from "./status-table.ts";

/** What an RpcError carries besides its code, message and violations. */
export interface RpcErrorOptions {
  /** The kind from the vocabulary; by default the one the code means (see status-table.ts). */
  readonly kind?: ErrorKind;
  readonly retryAfterMs?: number;
  readonly cause?: unknown;
}

/**
 * A failed call as our clients report it: a DomainError (so callers classify it by `kind`, like
 * any error of the vocabulary) that also carries the gRPC status `code` the peer answered, for
 * callers that think in gRPC codes. The server edge sends every DomainError as an RpcError.
 */
export class RpcError extends DomainError {
  readonly code: Status;

  constructor(
    code: Status,
    message: string,
    violations: readonly FieldViolation[] = [],
    options: RpcErrorOptions = {},
  ) {
    super(options.kind ?? kindOfStatus(code), message, {
      violations,
      ...(options.retryAfterMs === undefined ? {} : { retryAfterMs: options.retryAfterMs }),
      ...(options.cause === undefined ? {} : { cause: options.cause }),
    });
    this.name = "RpcError";
    this.code = code;
  }
}

/** The RpcError the edge answers for a DomainError: same kind, message and details, the table's code. */
export function toRpcError(error: DomainError): RpcError {
  if (error instanceof RpcError) return error;
  return new RpcError(statusOfKind[error.kind], error.message, error.violations, {
    kind: error.kind,
    ...(error.retryAfterMs === undefined ? {} : { retryAfterMs: error.retryAfterMs }),
  });
}

/** A handler for an RPC this version does not serve yet: answers UNIMPLEMENTED naming it. */
export function notYetServed(method: string): () => Promise<never> {
  return async () => {
    throw unimplemented(`${method} is not available in this version`);
  };
}
