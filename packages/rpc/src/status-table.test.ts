import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { anyPack } from "@bufbuild/protobuf/wkt";
import { Metadata, status as Status } from "@grpc/grpc-js";
import { DomainError, type ErrorKind } from "@syncline/errors";
import { ErrorInfoSchema } from "@syncline/gen/google/rpc/error_details_pb.js";
import { StatusSchema } from "@syncline/gen/google/rpc/status_pb.js";
import { describe, expect, it } from "vitest";
import { RpcError, toRpcError } from "./rpc-error.ts";
import { decodeStatus, encodeStatus } from "./status-details.ts";
import { kindOfStatus, statusOfKind } from "./status-table.ts";

const expected: Record<ErrorKind, Status> = {
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
const kinds = Object.keys(expected) as ErrorKind[];
const violations = [
  { field: "source.path", description: "must start with /" },
  { field: "name", description: "must not be empty" },
];

/** What a client decodes from the status the edge encodes for `error`. */
function roundTrip(error: DomainError): RpcError {
  const status = encodeStatus(toRpcError(error));
  return decodeStatus({ code: status.code, details: status.details, metadata: status.metadata });
}

describe("the error table", () => {
  it.each(kinds)("maps %s to its gRPC code and back", (kind) => {
    expect(statusOfKind[kind]).toBe(expected[kind]);
    expect(kindOfStatus(expected[kind])).toBe(kind);
    expect(toRpcError(new DomainError(kind, "m")).code).toBe(expected[kind]);
  });

  it("gives codes no kind maps to the nearest kind", () => {
    expect(kindOfStatus(Status.UNKNOWN)).toBe("internal");
    expect(kindOfStatus(Status.DATA_LOSS)).toBe("internal");
    expect(kindOfStatus(Status.OUT_OF_RANGE)).toBe("invalid_argument");
  });

  it.each(kinds)("carries %s with its message, violations and retry delay through the status", (kind) => {
    const decoded = roundTrip(new DomainError(kind, `a ${kind} failure`, { violations, retryAfterMs: 1500 }));
    expect(decoded).toBeInstanceOf(RpcError);
    expect(decoded).toBeInstanceOf(DomainError);
    expect(decoded.kind).toBe(kind);
    expect(decoded.code).toBe(expected[kind]);
    expect(decoded.message).toBe(`a ${kind} failure`);
    expect(decoded.violations).toEqual(violations);
    expect(decoded.retryAfterMs).toBe(1500);
  });

  it("sends the kind as ErrorInfo, violations as PreconditionFailure or BadRequest, and RetryInfo only when known", () => {
    const typeNames = (error: DomainError) => {
      const { metadata } = encodeStatus(toRpcError(error));
      const raw = metadata.get("grpc-status-details-bin")[0] as Buffer;
      return decodeDetails(raw);
    };
    expect(typeNames(new DomainError("failed_precondition", "m", { violations }))).toEqual([
      "google.rpc.ErrorInfo",
      "google.rpc.PreconditionFailure",
    ]);
    expect(typeNames(new DomainError("invalid_argument", "m", { violations }))).toEqual([
      "google.rpc.ErrorInfo",
      "google.rpc.BadRequest",
    ]);
    expect(typeNames(new DomainError("unavailable", "m", { retryAfterMs: 250 }))).toEqual([
      "google.rpc.ErrorInfo",
      "google.rpc.RetryInfo",
    ]);
    expect(typeNames(new DomainError("not_found", "m"))).toEqual(["google.rpc.ErrorInfo"]);
    expect(roundTrip(new DomainError("not_found", "m")).retryAfterMs).toBeUndefined();
  });

  it("takes the kind from a Syncline ErrorInfo over the code, and from the table otherwise", () => {
    const withInfo = (domain: string, reason: string) => {
      const details = [anyPack(ErrorInfoSchema, create(ErrorInfoSchema, { reason, domain }))];
      const metadata = new Metadata();
      const status = create(StatusSchema, { code: Status.FAILED_PRECONDITION, message: "m", details });
      metadata.set("grpc-status-details-bin", Buffer.from(toBinary(StatusSchema, status)));
      return decodeStatus({ code: Status.FAILED_PRECONDITION, details: "m", metadata });
    };
    expect(withInfo("syncline", "conflict").kind).toBe("conflict");
    expect(withInfo("syncline", "conflict").code).toBe(Status.FAILED_PRECONDITION);
    expect(withInfo("example.com", "conflict").kind).toBe("failed_precondition");
    expect(withInfo("syncline", "no_such_kind").kind).toBe("failed_precondition");
    const bare = decodeStatus({ code: Status.RESOURCE_EXHAUSTED, details: "Received message larger than max" });
    expect(bare.kind).toBe("limit_exceeded");
    expect(bare.message).toBe("Received message larger than max");
    expect(bare.violations).toEqual([]);
  });

  it("keeps an RpcError built from a code alone consistent with the table", () => {
    expect(new RpcError(Status.ABORTED, "m").kind).toBe("conflict");
    expect(new RpcError(Status.UNKNOWN, "m").kind).toBe("internal");
  });
});

/** The message types of a status's details, in order. */
function decodeDetails(raw: Buffer): string[] {
  return fromBinary(StatusSchema, raw).details.map((detail) => detail.typeUrl.replace("type.googleapis.com/", ""));
}
