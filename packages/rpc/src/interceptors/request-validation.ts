import type { Message } from "@bufbuild/protobuf";
import type { ServerInterceptor } from "../interceptor.ts";
import { validateRequest } from "../request-validation.ts";

/**
 * Applies the request message's `buf.validate` rules (from the protos) before the handler runs:
 * a request that breaks one is refused as invalid_argument naming every field at fault, and the
 * handler never sees it.
 */
export function requestValidation(): ServerInterceptor {
  return (next) => async (call) => {
    validateRequest(call.method.input, call.request as Message);
    return next(call);
  };
}
