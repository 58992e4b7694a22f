import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyPack, anyUnpack, type Any } from "@bufbuild/protobuf/wkt";
import { status as Status, Metadata, type StatusObject } from "@grpc/grpc-js";
import type { FieldViolation } from "@syncline/errors";
import {
  BadRequestSchema,
  ErrorInfoSchema,
  PreconditionFailureSchema,
  RetryInfoSchema,
} from "@syncline/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "@syncline/gen/google/rpc/status_pb.js";
import { RpcError } from "./rpc-error.ts";
import { isErrorKind } from "./status-table.ts";

/** The ErrorInfo domain of errors Syncline services answer. */
export const ERROR_DOMAIN = "syncline";
const DETAILS_KEY = "grpc-status-details-bin";

/**
 * Encodes an RpcError as a gRPC status with google.rpc details in `grpc-status-details-bin`:
 * ErrorInfo (reason = the kind, domain "syncline"), the field violations as PreconditionFailure
 * for failed_precondition and BadRequest otherwise, and RetryInfo when a retry delay is known.
 */
export function encodeStatus(error: RpcError): StatusObject {
  const details: Any[] = [
    anyPack(ErrorInfoSchema, create(ErrorInfoSchema, { reason: error.kind, domain: ERROR_DOMAIN })),
  ];
  if (error.violations.length > 0) {
    if (error.kind === "failed_precondition") {
      const violations = error.violations.map((v) => ({ type: "FIELD", subject: v.field, description: v.description }));
      details.push(anyPack(PreconditionFailureSchema, create(PreconditionFailureSchema, { violations })));
    } else {
      const fieldViolations = error.violations.map((v) => ({ field: v.field, description: v.description }));
      details.push(anyPack(BadRequestSchema, create(BadRequestSchema, { fieldViolations })));
    }
  }
  if (error.retryAfterMs !== undefined) {
    const ms = Math.max(0, Math.round(error.retryAfterMs));
    const retryDelay = { seconds: BigInt(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
    details.push(anyPack(RetryInfoSchema, create(RetryInfoSchema, { retryDelay })));
  }
  const metadata = new Metadata();
  const statusMessage = create(StatusSchema, { code: error.code, message: error.message, details });
  metadata.set(DETAILS_KEY, Buffer.from(toBinary(StatusSchema, statusMessage)));
  return { code: error.code, details: error.message, metadata };
}

/**
 * Decodes a peer's non-OK status into an RpcError: the kind from a Syncline ErrorInfo when present
 * (else from the status table), field violations and the retry delay from the details.
 */
export function decodeStatus(status: Pick<StatusObject, "code" | "details"> & { metadata?: Metadata }): RpcError {
  const violations: FieldViolation[] = [];
  let kind: string | undefined;
  let retryAfterMs: number | undefined;
  const raw = status.metadata?.get(DETAILS_KEY)[0];
  if (raw instanceof Buffer) {
    try {
      for (const detail of fromBinary(StatusSchema, raw).details) {
        const info = anyUnpack(detail, ErrorInfoSchema);
        if (info?.domain === ERROR_DOMAIN) kind = info.reason;
        for (const v of anyUnpack(detail, BadRequestSchema)?.fieldViolations ?? [])
          violations.push({ field: v.field, description: v.description });
        for (const v of anyUnpack(detail, PreconditionFailureSchema)?.violations ?? [])
          violations.push({ field: v.subject, description: v.description });
        const delay = anyUnpack(detail, RetryInfoSchema)?.retryDelay;
        if (delay) retryAfterMs = Number(delay.seconds) * 1000 + Math.round(delay.nanos / 1_000_000);
      }
    } catch {
      // Undecodable details: keep code and message.
    }
  }
  const code = status.code ?? Status.UNKNOWN;
  const message = status.details || `${code} ${Status[code]}: `;
  return new RpcError(code, message, violations, {
    ...(kind !== undefined && isErrorKind(kind) ? { kind } : {}),
    ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
  });
}
