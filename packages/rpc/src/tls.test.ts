import { X509Certificate } from "node:crypto";
import { copyFileSync, readFileSync } from "node:fs";
import { connect } from "node:tls";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { createLogger } from "@syncline/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../test/support/eventually.ts";
import { createTestPki, type CertificateFiles, type TestPki } from "../../../test/support/test-pki.ts";
import {
  Code,
  createAuthenticator,
  createRpcClient,
  createRpcServer,
  everyMethod,
  formatPeerServiceDigests,
  parsePeerServiceDigests,
  type ClientTls,
  type RpcError,
  type ServerTls,
} from "./index.ts";

/** Two known callers: the worker and the connections service (their streams are counted apart). */
const tokens = { adminToken: "connections-token-0123456789", internalToken: "worker-token-0123456789" };
const authenticator = createAuthenticator({
  serviceCredentials: parsePeerServiceDigests(
    formatPeerServiceDigests({ "connector-worker": tokens.internalToken, connections: tokens.adminToken }),
  ),
});
const request = { projectId: "6f1c1f5e-6c1b-4c1e-9c1a-1b2c3d4e5f60", environment: "dev", path: "/" };
const refreshIntervalMs = 100;
let pki: TestPki;
let ca: ReturnType<TestPki["authority"]>;
let serverFiles: CertificateFiles;
let clientFiles: CertificateFiles;
let strangerFiles: CertificateFiles;
const servers: { shutdown(graceMs?: number): Promise<void> }[] = [];

beforeAll(() => {
  pki = createTestPki();
  ca = pki.authority("syncline-test-ca");
  serverFiles = ca.issue("server", "server");
  clientFiles = ca.issue("worker", "client");
  strangerFiles = pki.authority("other-ca").issue("stranger", "client");
});

afterAll(async () => {
  await Promise.all(servers.map((server) => server.shutdown(100)));
  pki.remove();
});

/** A server of SourceSnapshotService whose one method answers revision 7. */
async function serve(tls: ServerTls | undefined): Promise<string> {
  const server = createRpcServer({ authenticator, logger: createLogger("tls-test", "silent"), tls });
  server.add(
    SourceSnapshotService,
    {
      getSourceSnapshot: async () => ({ revision: 7n, sourceExists: true }),
      async *streamSourceSnapshot() {},
    },
    everyMethod(SourceSnapshotService, { services: ["connector-worker"] }),
  );
  servers.push(server);
  return `127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
}

/** One call with the service token over `tls`: the revision, or the RpcError's code. */
async function call(address: string, tls: ClientTls | undefined): Promise<bigint | Code> {
  const client = createRpcClient(SourceSnapshotService, {
    address,
    token: tokens.internalToken,
    tls,
    deadlineMs: 5000,
  });
  try {
    return (await client.getSourceSnapshot(request)).revision;
  } catch (error) {
    return (error as RpcError).code;
  } finally {
    client.close();
  }
}

/** The serial number of the certificate a brand-new TLS connection to `address` is shown. */
async function servedSerial(address: string, client?: CertificateFiles): Promise<string> {
  const [host, port] = address.split(":");
  return new Promise((resolve, reject) => {
    const socket = connect({
      host,
      port: Number(port),
      servername: "localhost",
      ca: readFileSync(ca.certFile),
      ALPNProtocols: ["h2"],
      ...(client ? { cert: readFileSync(client.certFile), key: readFileSync(client.keyFile) } : {}),
    });
    socket.once("secureConnect", () => {
      resolve(socket.getPeerCertificate().serialNumber);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

const serialOf = (certFile: string) => new X509Certificate(readFileSync(certFile)).serialNumber;

describe("gRPC over TLS", () => {
  it("a TLS server answers a client trusting its CA and refuses a plaintext client", async () => {
    const address = await serve({ ...serverFiles, refreshIntervalMs });
    expect(await call(address, { caFile: ca.certFile })).toBe(7n);
    expect(await call(address, undefined)).toBe(Code.UNAVAILABLE);
  });

  it("a client refuses a server whose certificate its CA did not sign", async () => {
    const address = await serve({ ...serverFiles, refreshIntervalMs });
    const otherCa = pki.authority("untrusted-ca");
    expect(await call(address, { caFile: otherCa.certFile })).toBe(Code.UNAVAILABLE);
  });

  it("with a client CA, only clients holding a certificate that CA signed get through", async () => {
    const address = await serve({ ...serverFiles, clientCaFile: ca.certFile, refreshIntervalMs });
    expect(await call(address, { caFile: ca.certFile, ...clientFiles })).toBe(7n);
    expect(await call(address, { caFile: ca.certFile })).toBe(Code.UNAVAILABLE);
    expect(await call(address, { caFile: ca.certFile, ...strangerFiles })).toBe(Code.UNAVAILABLE);
  });

  it("new connections see a renewed server certificate without a restart", async () => {
    const files = ca.issue("renewed-server", "server");
    const address = await serve({ ...files, refreshIntervalMs });
    const before = serialOf(files.certFile);
    expect(await servedSerial(address)).toBe(before);

    const next = ca.issue("renewed-server-next", "server");
    copyFileSync(next.keyFile, files.keyFile);
    copyFileSync(next.certFile, files.certFile);
    const after = serialOf(files.certFile);
    expect(after).not.toBe(before);
    await eventually(async () => ((await servedSerial(address)) === after ? true : undefined), { timeoutMs: 10_000 });
    expect(await call(address, { caFile: ca.certFile })).toBe(7n);
  });

  it("a client renews its own certificate from its files as well", async () => {
    const address = await serve({ ...serverFiles, clientCaFile: ca.certFile, refreshIntervalMs });
    const files = ca.issue("renewing-client", "client");
    const tls = { caFile: ca.certFile, ...files, refreshIntervalMs };
    expect(await call(address, tls)).toBe(7n);
    const stranger = pki.authority("another-ca").issue("renewing-client-stranger", "client");
    copyFileSync(stranger.keyFile, files.keyFile);
    copyFileSync(stranger.certFile, files.certFile);
    await eventually(async () => ((await call(address, tls)) === Code.UNAVAILABLE ? true : undefined), {
      timeoutMs: 10_000,
    });
  });
});
