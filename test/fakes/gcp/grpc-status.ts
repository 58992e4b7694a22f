import { Metadata, status } from "@grpc/grpc-js";

/** A gRPC status as Google answers it: code, message and optional `google.rpc.Status` details. */
export class FakeGrpcStatus extends Error {
  readonly code: status;
  readonly details: string;
  readonly metadata: Metadata;
  constructor(code: status, message: string, options: { retryDelaySeconds?: number } = {}) {
    super(message);
    this.code = code;
    this.details = message;
    this.metadata = new Metadata();
    if (options.retryDelaySeconds !== undefined) {
      this.metadata.set(
        "grpc-status-details-bin",
        statusDetails(code, message, [retryInfo(options.retryDelaySeconds), quotaErrorInfo()]),
      );
    }
  }
}

/** Secret Manager's NOT_FOUND text for a secret or version. */
export const notFound = (name: string) =>
  new FakeGrpcStatus(status.NOT_FOUND, `${resourceKind(name)} [${name}] not found.`);

/** RESOURCE_EXHAUSTED as Google sends it for a per-minute quota, with RetryInfo. */
export function quotaExceeded(retryDelaySeconds: number): FakeGrpcStatus {
  return new FakeGrpcStatus(
    status.RESOURCE_EXHAUSTED,
    "Quota exceeded for quota metric 'Access requests' and limit 'Access requests per minute per project' of service 'secretmanager.googleapis.com'.",
    { retryDelaySeconds },
  );
}

function resourceKind(name: string): string {
  return name.includes("/versions/") ? "Secret Version" : name.includes("/secrets/") ? "Secret" : "Project";
}

// google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3; }, hand-encoded.
function statusDetails(code: number, message: string, details: Buffer[]): Buffer {
  return Buffer.concat([
    field(1, varint(code)),
    lengthDelimited(2, Buffer.from(message, "utf8")),
    ...details.map((d) => lengthDelimited(3, d)),
  ]);
}

function any(typeUrl: string, value: Buffer): Buffer {
  return Buffer.concat([lengthDelimited(1, Buffer.from(typeUrl, "utf8")), lengthDelimited(2, value)]);
}

// google.rpc.RetryInfo { google.protobuf.Duration retry_delay = 1; }, Duration { int64 seconds = 1; }.
function retryInfo(seconds: number): Buffer {
  return any("type.googleapis.com/google.rpc.RetryInfo", lengthDelimited(1, field(1, varint(seconds))));
}

// google.rpc.ErrorInfo { string reason = 1; string domain = 2; }.
function quotaErrorInfo(): Buffer {
  return any(
    "type.googleapis.com/google.rpc.ErrorInfo",
    Buffer.concat([
      lengthDelimited(1, Buffer.from("RATE_LIMIT_EXCEEDED", "utf8")),
      lengthDelimited(2, Buffer.from("googleapis.com", "utf8")),
    ]),
  );
}

function field(number: number, value: Buffer): Buffer {
  return Buffer.concat([varint(number << 3), value]);
}

function lengthDelimited(number: number, value: Buffer): Buffer {
  return Buffer.concat([varint((number << 3) | 2), varint(value.length), value]);
}

function varint(value: number): Buffer {
  const bytes: number[] = [];
  let v = value;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}
