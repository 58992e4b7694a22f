import type { Logger } from "@syncline/telemetry";
import type { Authenticator } from "./authenticator.ts";
import type { ServerInterceptor } from "./interceptor.ts";
import { authentication } from "./interceptors/authentication.ts";
import { errorMapping } from "./interceptors/error-mapping.ts";
import { metrics, type CallObserver } from "./interceptors/metrics.ts";
import { requestValidation } from "./interceptors/request-validation.ts";
import { tracing } from "./interceptors/tracing.ts";

/**
 * The one ordered list of what runs around every handler, outermost first:
 *
 * 1. tracing — the SERVER span, continuing the caller's trace; sees the final status code;
 * 2. metrics — call outcomes for the service's observers; sees the final code and kind;
 * 3. error mapping — any error becomes the caller's RpcError (unknown ones INTERNAL, logged);
 * 4. authentication — bearer token to principal (Authenticator), then the method's MethodAccess
 *    (authorizeCall);
 * 5. request validation — the request's `buf.validate` rules (invalid_argument naming the fields);
 *    after authentication, so an unauthenticated caller learns nothing about the request's rules;
 * 6. the handler.
 */
export function serverInterceptors(options: {
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  readonly observers?: readonly CallObserver[];
}): readonly ServerInterceptor[] {
  return [
    tracing(),
    metrics(options.observers ?? []),
    errorMapping(options.logger),
    authentication(options.authenticator),
    requestValidation(),
  ];
}
