import { randomBytes } from "node:crypto";
import { busUsers, natsServerConfig, type BusUser } from "@syncline/bus";
import type { ClientTls } from "@syncline/rpc";
import type { ServiceName } from "./system-services.ts";
import { createTestPki, type TestCertificateAuthority } from "./test-pki.ts";

/** The NATS user each service process connects as (deploy/nats/nats-server.conf). */
const busUserOf: Record<ServiceName, BusUser> = {
  secrets: "secrets",
  connections: "connections",
  orchestrator: "orchestrator",
  worker: "worker",
};

/**
 * The transport security of a test system, as docs/transport-security.md sets it up: one CA
 * signs a server certificate (127.0.0.1, localhost) every gRPC server and the broker present, and
 * the client certificate every caller presents (mutual TLS); NATS runs the generated
 * configuration with one user per service, over TLS.
 */
export interface SystemTransport {
  /** The broker's configuration for `startNatsServer`. */
  natsConfig(storeDir: string): string;
  /** Variables of one service: its gRPC TLS and mTLS files, its NATS user, password and CA. */
  serviceEnv(name: ServiceName): Record<string, string>;
  /** What the test's own gRPC clients use. */
  readonly clientTls: ClientTls;
  readonly authority: TestCertificateAuthority;
  remove(): void;
}

/** Makes the certificates in a temp directory and fresh NATS passwords. */
export function createSystemTransport(): SystemTransport {
  const pki = createTestPki();
  const authority = pki.authority("syncline-system-ca");
  const server = authority.issue("syncline-service", "server");
  const client = authority.issue("syncline-caller", "client");
  const passwords = Object.fromEntries(busUsers.map((user) => [user, randomBytes(16).toString("hex")])) as Record<
    BusUser,
    string
  >;
  return {
    authority,
    clientTls: { caFile: authority.certFile, ...client },
    natsConfig: (storeDir) =>
      natsServerConfig({
        listen: "127.0.0.1:-1",
        storeDir,
        password: (user) => JSON.stringify(passwords[user]),
        tls: server,
      }),
    serviceEnv(name) {
      const user = busUserOf[name];
      return {
        SYNCLINE_TLS_CERT_FILE: server.certFile,
        SYNCLINE_TLS_KEY_FILE: server.keyFile,
        SYNCLINE_TLS_CLIENT_CA_FILE: authority.certFile,
        SYNCLINE_TLS_CA_FILE: authority.certFile,
        SYNCLINE_TLS_CLIENT_CERT_FILE: client.certFile,
        SYNCLINE_TLS_CLIENT_KEY_FILE: client.keyFile,
        SYNCLINE_NATS_USER: user,
        SYNCLINE_NATS_PASSWORD: passwords[user],
        SYNCLINE_NATS_TLS_CA_FILE: authority.certFile,
      };
    },
    remove: () => pki.remove(),
  };
}
