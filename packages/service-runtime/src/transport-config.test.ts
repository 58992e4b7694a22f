import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { ConfigError } from "@syncline/config";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestPki, type CertificateFiles, type TestPki } from "../../../test/support/test-pki.ts";
import { readTransportSecurity } from "./transport-config.ts";

let pki: TestPki;
let ca: CertificateFiles;
let server: CertificateFiles;
let client: CertificateFiles;

beforeAll(() => {
  pki = createTestPki();
  const authority = pki.authority("config-ca");
  ca = authority;
  server = authority.issue("config-server", "server");
  client = authority.issue("config-client", "client");
});
afterAll(() => pki.remove());

/** The problems a ConfigError lists for `env`, or [] when it is accepted. */
function problemsOf(env: NodeJS.ProcessEnv): readonly string[] {
  try {
    readTransportSecurity(env);
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("transport configuration", () => {
  it("is plaintext and anonymous when nothing is set", () => {
    expect(readTransportSecurity({})).toEqual({ nats: { user: undefined, password: undefined } });
  });

  it("reads a full mutual TLS and NATS setup", () => {
    const transport = readTransportSecurity({
      SYNCLINE_TLS_CERT_FILE: server.certFile,
      SYNCLINE_TLS_KEY_FILE: server.keyFile,
      SYNCLINE_TLS_CLIENT_CA_FILE: ca.certFile,
      SYNCLINE_TLS_CA_FILE: ca.certFile,
      SYNCLINE_TLS_CLIENT_CERT_FILE: client.certFile,
      SYNCLINE_TLS_CLIENT_KEY_FILE: client.keyFile,
      SYNCLINE_TLS_REFRESH_MS: "5000",
      SYNCLINE_NATS_USER: "secrets",
      SYNCLINE_NATS_PASSWORD: "s3cret-nats-password",
      SYNCLINE_NATS_TLS_CA_FILE: ca.certFile,
    });
    expect(transport.grpcServer).toEqual({ ...server, clientCaFile: ca.certFile, refreshIntervalMs: 5000 });
    expect(transport.grpcClient).toEqual({ caFile: ca.certFile, ...client, refreshIntervalMs: 5000 });
    expect(transport.nats).toEqual({
      user: "secrets",
      password: "s3cret-nats-password",
      tls: { caFile: ca.certFile, certFile: undefined, keyFile: undefined },
    });
  });

  it("names a missing file, a file of the wrong kind and a key without its certificate, never a value", () => {
    const notAKey = join(pki.dir, "not-a-key.pem");
    writeFileSync(notAKey, "hello");
    const problems = problemsOf({
      SYNCLINE_TLS_CERT_FILE: join(pki.dir, "missing.crt"),
      SYNCLINE_TLS_KEY_FILE: server.keyFile,
      SYNCLINE_TLS_CLIENT_KEY_FILE: notAKey,
      SYNCLINE_TLS_CA_FILE: server.keyFile,
    });
    expect(problems).toEqual([
      `SYNCLINE_TLS_CERT_FILE: cannot read ${join(pki.dir, "missing.crt")} (ENOENT)`,
      `SYNCLINE_TLS_CA_FILE: ${server.keyFile} does not hold a PEM certificate`,
      `SYNCLINE_TLS_CLIENT_KEY_FILE: ${notAKey} does not hold a PEM private key`,
    ]);
  });

  it("names a key that does not belong to its certificate", () => {
    expect(
      problemsOf({
        SYNCLINE_TLS_CERT_FILE: server.certFile,
        SYNCLINE_TLS_KEY_FILE: client.keyFile,
      }),
    ).toEqual([`SYNCLINE_TLS_KEY_FILE: ${client.keyFile} is not the private key of ${server.certFile}`]);
  });

  it("refuses halves of pairs and a client certificate without a CA to trust servers by", () => {
    const problems = problemsOf({
      SYNCLINE_TLS_KEY_FILE: server.keyFile,
      SYNCLINE_TLS_CLIENT_CA_FILE: ca.certFile,
      SYNCLINE_TLS_CLIENT_CERT_FILE: client.certFile,
      SYNCLINE_TLS_CLIENT_KEY_FILE: client.keyFile,
      SYNCLINE_NATS_PASSWORD: "s3cret-nats-password",
    });
    expect(problems).toEqual([
      "SYNCLINE_TLS_CERT_FILE: is required when SYNCLINE_TLS_KEY_FILE is set",
      "SYNCLINE_NATS_USER: is required when SYNCLINE_NATS_PASSWORD is set",
      "SYNCLINE_TLS_CLIENT_CA_FILE: mutual TLS needs the server's own SYNCLINE_TLS_CERT_FILE and _KEY_FILE",
      "SYNCLINE_TLS_CA_FILE: is required when SYNCLINE_TLS_CLIENT_CERT_FILE is set (TLS to the services)",
    ]);
    expect(problems.join("\n")).not.toContain("s3cret-nats-password");
  });
});
