import { status as Status } from "@grpc/grpc-js";
import type { ErrorKind } from "@syncline/errors";
import type { ServerInterceptor } from "../interceptor.ts";
import { RpcError } from "../rpc-error.ts";

/** How one call ended, as a metric sees it: names and codes only, never a request or a value. */
export interface CallOutcome {
  /** `syncline.secrets.v1.SecretsService` */
  readonly service: string;
  /** The method's local (camelCase) name, as handlers are keyed: `createSecret`. */
  readonly method: string;
  readonly code: Status;
  /** The error's kind when the call failed; undefined when it succeeded. */
  readonly kind: ErrorKind | undefined;
  readonly durationSeconds: number;
}

/** Records call outcomes on a service's metrics (a counter by method, a duration histogram, …). */
export type CallObserver = (outcome: CallOutcome) => void;

/**
 * Reports every call's outcome to `observers` once it ended (a server stream when it wrote its last
 * response). It runs outside error mapping, so failures arrive with their final code and kind.
 */
export function metrics(observers: readonly CallObserver[]): ServerInterceptor {
  return (next) => async (call) => {
    if (observers.length === 0) return next(call);
    const started = performance.now();
    const report = (code: Status, kind: ErrorKind | undefined) => {
      const outcome = {
        service: call.service.typeName,
        method: call.method.localName,
        code,
        kind,
        durationSeconds: (performance.now() - started) / 1000,
      };
      for (const observe of observers) observe(outcome);
    };
    try {
      const response = await next(call);
      report(Status.OK, undefined);
      return response;
    } catch (error) {
      if (error instanceof RpcError) report(error.code, error.kind);
      else report(Status.INTERNAL, "internal");
      throw error;
    }
  };
}
