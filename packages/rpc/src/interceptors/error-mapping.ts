import { trace } from "@opentelemetry/api";
import { DomainError, internal, isConnectionFailure, unavailable } from "@syncline/errors";
import type { Logger } from "@syncline/telemetry";
import type { ServerCall, ServerInterceptor } from "../interceptor.ts";
import { RpcError, toRpcError } from "../rpc-error.ts";

/**
 * Turns whatever a call throws into the RpcError its caller receives, through the one table of
 * status-table.ts. A DomainError keeps its kind, message and details; anything else (and an
 * `internal` DomainError) is logged here — type, message and stack, never a value — and answered
 * INTERNAL with a generic message naming the trace, so nothing of it reaches the caller. A lost
 * connection to the database (or another backing service) is UNAVAILABLE instead: nothing is wrong
 * with the request, and a retry with backoff will succeed once it is back.
 */
export function errorMapping(logger: Logger): ServerInterceptor {
  return (next) => async (call) => {
    try {
      return await next(call);
    } catch (error) {
      throw toCallerError(error, call, logger);
    }
  };
}

function toCallerError(error: unknown, call: ServerCall, logger: Logger): RpcError {
  if (error instanceof DomainError && error.kind !== "internal") return toRpcError(error);
  // The client cancelled or the deadline passed: the handler's failure is the abort's consequence.
  if (call.signal.aborted && call.signal.reason instanceof RpcError) return call.signal.reason;
  const traceId = trace.getActiveSpan()?.spanContext().traceId ?? "unknown";
  if (isConnectionFailure(error)) {
    logger.warn({ err: error, method: call.method.name }, "a backing service is unavailable");
    return toRpcError(unavailable(`a backing service is unavailable (trace ${traceId}); retry with backoff`));
  }
  logger.error({ err: error, method: call.method.name }, "unexpected error in rpc handler");
  return toRpcError(internal(`internal error (trace ${traceId}); the operators' logs have the details`));
}
