import type { ConnectionOptions } from "@nats-io/nats-core";

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

/** The nats.js connection options of `access` (none for an open, plaintext broker). */
export function natsAccessOptions(access: BusAccess | undefined): Partial<ConnectionOptions> {
  if (!access) return {};
  return {
    ...(access.user !== undefined ? { user: access.user, pass: access.password } : {}),
    ...(access.tls
      ? { tls: { caFile: access.tls.caFile, certFile: access.tls.certFile, keyFile: access.tls.keyFile } }
      : {}),
  };
}
