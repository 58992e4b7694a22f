import type { Metadata } from "@grpc/grpc-js";
import type { Authenticator } from "../authenticator.ts";
import type { ServerInterceptor } from "../interceptor.ts";
import { authorizeCall } from "../method-access.ts";

/**
 * Resolves the caller's bearer token to a principal (see Authenticator) and lets the call through
 * only when the method's MethodAccess admits it (unauthenticated / permission_denied otherwise).
 */
export function authentication(authenticator: Authenticator): ServerInterceptor {
  return (next) => async (call) => {
    const principal = await authenticator.authenticate(bearerToken(call.metadata), call.signal);
    await authorizeCall(
      principal,
      call.access,
      call.request,
      `${call.service.typeName}/${call.method.name}`,
      call.signal,
    );
    return next({ ...call, principal });
  };
}

/** The token of `authorization: Bearer <token>`, or undefined. */
function bearerToken(metadata: Metadata): string | undefined {
  const header = metadata.get("authorization")[0];
  if (typeof header !== "string") return undefined;
  const match = /^Bearer\s+(.+)$/i.exec(header.trim());
  return match?.[1];
}
