import * as grpc from "@grpc/grpc-js";
import { writeTraceContext } from "@syncline/telemetry";
import type { RpcError } from "../rpc-error.ts";
import { decodeStatus } from "../status-details.ts";

/** Sends `Bearer <token>` in the `authorization` metadata of every call. */
export function bearerToken(token: string): grpc.Interceptor {
  return (options, nextCall) =>
    new grpc.InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set("authorization", `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

/** Carries the active trace context (the CLIENT span of the call) in every call's metadata. */
export const traceContext: grpc.Interceptor = (options, nextCall) =>
  new grpc.InterceptingCall(nextCall(options), {
    start(metadata, listener, next) {
      writeTraceContext((key, value) => metadata.set(key, value));
      next(metadata, listener);
    },
  });

/** A failed call's status with the error decoded from it; grpc-js copies status fields onto the error it raises. */
interface DecodedStatus extends grpc.StatusObject {
  readonly rpcError: RpcError;
}

/**
 * Decodes every failed call's status back into the vocabulary (an RpcError with the peer's kind,
 * violations and retry delay; see status-details.ts), once, where the status arrives.
 */
export const errorDecoding: grpc.Interceptor = (options, nextCall) =>
  new grpc.InterceptingCall(nextCall(options), {
    start(metadata, _listener, next) {
      next(metadata, {
        onReceiveStatus(status, nextStatus) {
          if (status.code === grpc.status.OK) return nextStatus(status);
          const decoded: DecodedStatus = { ...status, rpcError: decodeStatus(status) };
          nextStatus(decoded);
        },
      });
    },
  });

/** The RpcError a failed grpc-js call raised: the one `errorDecoding` attached, else decoded from its status. */
export function rpcErrorOf(error: grpc.ServiceError): RpcError {
  return (error as Partial<DecodedStatus>).rpcError ?? decodeStatus(error);
}
