import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyPack, anyUnpack } from "@bufbuild/protobuf/wkt";
import { status as Status, Metadata, type ServiceError } from "@grpc/grpc-js";
import { BadRequestSchema, PreconditionFailureSchema } from "@syncline/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "@syncline/gen/google/rpc/status_pb.js";

/** A request field at fault and what is wrong with it, e.g. `{ field: "source.path", description: "…" }`. */
export interface FieldViolation {
  readonly field: string;
  readonly description: string;
}

/**
 * An error meant for the caller: a gRPC status code, an actionable message, and field violations
 * (sent as google.rpc.BadRequest in `grpc-status-details-bin`). Messages must never carry a secret.
 */
export class RpcError extends Error {
  readonly code: Status;
  readonly violations: readonly FieldViolation[];

  constructor(code: Status, message: string, violations: readonly FieldViolation[] = []) {
    super(message);
    this.name = "RpcError";
    this.code = code;
    this.violations = violations;
  }

  /** INVALID_ARGUMENT naming every field at fault. */
  static invalidArgument(violations: readonly FieldViolation[]): RpcError {
    const summary = violations.map((v) => `${v.field}: ${v.description}`).join("; ");
    return new RpcError(Status.INVALID_ARGUMENT, `invalid request: ${summary}`, violations);
  }

  static notFound(what: string): RpcError {
    return new RpcError(Status.NOT_FOUND, `${what} not found`);
  }

  static alreadyExists(what: string): RpcError {
    return new RpcError(Status.ALREADY_EXISTS, `${what} already exists`);
  }

  static failedPrecondition(message: string, violations: readonly FieldViolation[] = []): RpcError {
    return new RpcError(Status.FAILED_PRECONDITION, message, violations);
  }

  static aborted(message: string): RpcError {
    return new RpcError(Status.ABORTED, message);
  }

  static unauthenticated(message: string): RpcError {
    return new RpcError(Status.UNAUTHENTICATED, message);
  }

  static permissionDenied(message: string): RpcError {
    return new RpcError(Status.PERMISSION_DENIED, message);
  }

  static unavailable(message: string): RpcError {
    return new RpcError(Status.UNAVAILABLE, message);
  }
}

/** Throws INVALID_ARGUMENT when `violations` is not empty. */
export function assertValid(violations: readonly FieldViolation[]): void {
  if (violations.length > 0) throw RpcError.invalidArgument(violations);
}

/** Encodes an RpcError as the grpc-js error object a handler passes back. */
export function toServiceError(error: RpcError): Partial<ServiceError> {
  const metadata = new Metadata();
  const details = [];
  if (error.violations.length > 0) {
    const fieldViolations = error.violations.map((v) => ({ field: v.field, description: v.description }));
    if (error.code === Status.FAILED_PRECONDITION) {
      const violations = error.violations.map((v) => ({ type: "FIELD", subject: v.field, description: v.description }));
      details.push(anyPack(PreconditionFailureSchema, create(PreconditionFailureSchema, { violations })));
    } else {
      details.push(anyPack(BadRequestSchema, create(BadRequestSchema, { fieldViolations })));
    }
  }
  const statusMessage = create(StatusSchema, { code: error.code, message: error.message, details });
  metadata.set("grpc-status-details-bin", Buffer.from(toBinary(StatusSchema, statusMessage)));
  return { code: error.code, details: error.message, metadata };
}

/** Decodes a grpc-js client error (with its status details) back into an RpcError. */
export function fromServiceError(error: ServiceError): RpcError {
  const violations: FieldViolation[] = [];
  const raw = error.metadata?.get("grpc-status-details-bin")[0];
  if (raw instanceof Buffer) {
    try {
      const decoded = fromBinary(StatusSchema, raw);
      for (const detail of decoded.details) {
        const badRequest = anyUnpack(detail, BadRequestSchema);
        for (const v of badRequest?.fieldViolations ?? [])
          violations.push({ field: v.field, description: v.description });
        const precondition = anyUnpack(detail, PreconditionFailureSchema);
        for (const v of precondition?.violations ?? [])
          violations.push({ field: v.subject, description: v.description });
      }
    } catch {
      // Undecodable details: keep code and message.
    }
  }
  return new RpcError(error.code ?? Status.UNKNOWN, error.details || error.message, violations);
}

/** A handler for an RPC this version does not serve yet: answers UNIMPLEMENTED naming it. */
export function notYetServed(method: string): () => Promise<never> {
  return async () => {
    throw new RpcError(Status.UNIMPLEMENTED, `${method} is not available in this version`);
  };
}
