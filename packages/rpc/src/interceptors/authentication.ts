import { authenticate, authorize, type TokenSet } from "../auth.ts";
import type { ServerInterceptor } from "../interceptor.ts";

/**
 * Resolves the caller's bearer token to a principal and lets the call through only when the
 * method's access list allows it (unauthenticated / permission_denied otherwise).
 */
export function authentication(tokens: TokenSet): ServerInterceptor {
  return (next) => async (call) => {
    const principal = authenticate(call.metadata, tokens);
    authorize(principal, call.access, `${call.service.typeName}/${call.method.name}`);
    return next({ ...call, principal });
  };
}
