import { busPermissions, busUsers, type BusUser } from "./permissions.ts";

/** What goes into a nats-server configuration besides the users. */
export interface NatsServerSettings {
  /** `host:port` the server listens on. */
  readonly listen: string;
  /** JetStream store directory. */
  readonly storeDir: string;
  /**
   * The value written as each user's password: a quoted literal (tests) or a variable reference
   * such as `$SYNCLINE_NATS_PASSWORD_WORKER`, which nats-server resolves from its environment.
   */
  readonly password: (user: BusUser) => string;
  /** TLS of client connections; with `caFile` and `verify`, clients must present a certificate it signed. */
  readonly tls?: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly caFile?: string;
    readonly verify?: boolean;
  };
}

const quoted = (value: string) => JSON.stringify(value);
const list = (values: readonly string[], indent: string) =>
  `[\n${values.map((value) => `${indent}  ${quoted(value)}`).join("\n")}\n${indent}]`;

/** The `authorization` block: one user per service with the allow lists of permissions.ts. */
export function natsAuthorization(password: (user: BusUser) => string): string {
  const users = busUsers.map((user) => {
    const p = busPermissions[user];
    return [
      "    {",
      `      user: ${quoted(user)}`,
      `      password: ${password(user)}`,
      "      permissions: {",
      `        publish: { allow: ${list(p.publish, "        ")} }`,
      `        subscribe: { allow: ${list(p.subscribe, "        ")} }`,
      ...(p.allowResponses ? ["        allow_responses: true"] : []),
      "      }",
      "    }",
    ].join("\n");
  });
  return `authorization {\n  users = [\n${users.join("\n")}\n  ]\n}\n`;
}

/**
 * A complete nats-server (2.9+) configuration for Syncline: JetStream, the per-service users and,
 * when given, TLS. deploy/nats/nats-server.conf is this function's output (a test keeps it so).
 */
export function natsServerConfig(settings: NatsServerSettings): string {
  const tls = settings.tls
    ? [
        "tls {",
        `  cert_file: ${quoted(settings.tls.certFile)}`,
        `  key_file: ${quoted(settings.tls.keyFile)}`,
        ...(settings.tls.caFile ? [`  ca_file: ${quoted(settings.tls.caFile)}`] : []),
        ...(settings.tls.verify ? ["  verify: true"] : []),
        "}",
        "",
      ].join("\n")
    : "";
  return [
    "# Generated from packages/bus/src/permissions.ts by `npm run nats-config`; do not edit by hand.",
    `listen: ${quoted(settings.listen)}`,
    `jetstream { store_dir: ${quoted(settings.storeDir)} }`,
    "",
    tls + natsAuthorization(settings.password),
  ].join("\n");
}

/**
 * The shipped example (deploy/nats/nats-server.conf): TLS from /etc/nats/tls, passwords from the
 * broker's environment (`SYNCLINE_NATS_PASSWORD_<USER>`), so the file itself holds no secret.
 */
export function exampleNatsServerConfig(): string {
  return natsServerConfig({
    listen: "0.0.0.0:4222",
    storeDir: "/data/jetstream",
    password: (user) => `$SYNCLINE_NATS_PASSWORD_${user.toUpperCase()}`,
    tls: { certFile: "/etc/nats/tls/server.crt", keyFile: "/etc/nats/tls/server.key", caFile: "/etc/nats/tls/ca.crt" },
  });
}
