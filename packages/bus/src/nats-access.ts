import type { ConnectionOptions } from "@nats-io/nats-core";
import { inboxPrefixOf } from "./permissions.ts";

/**
 * How a process proves itself to NATS and secures the connection: a user with a password (the
 * broker's `authorization.users` give each service its own subject permissions, see
 * permissions.ts) and TLS trusting `caFile`, with a client certificate when the broker verifies them.
 */
export interface BusAccess {
  readonly user?: string;
  readonly password?: string;
  readonly tls?: { readonly caFile: string; readonly certFile?: string; readonly keyFile?: string };
}

/**
 * The nats.js connection options of `access` (none for an open, plaintext broker). A user's
 * replies come to its own inbox prefix, the only inboxes its permissions let it subscribe to.
 */
export function natsAccessOptions(access: BusAccess | undefined): Partial<ConnectionOptions> {
  if (!access) return {};
  return {
    ...(access.user !== undefined
      ? { user: access.user, pass: access.password, inboxPrefix: inboxPrefixOf(access.user) }
      : {}),
    ...(access.tls
      ? {
          tls: {
            caFile: access.tls.caFile,
            ...(access.tls.certFile ? { certFile: access.tls.certFile } : {}),
            ...(access.tls.keyFile ? { keyFile: access.tls.keyFile } : {}),
          },
        }
      : {}),
  };
}
