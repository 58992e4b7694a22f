import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A CA and a server certificate it signed, valid for 127.0.0.1 and localhost (PEM). */
export interface FakeClusterTls {
  /** What a connection's `ca_bundle` holds. */
  readonly caCertificate: string;
  readonly serverCertificate: string;
  readonly serverKey: string;
}

let cached: FakeClusterTls | undefined;

/**
 * Generates the fake API server's TLS material once per process with the machine's `openssl`
 * (Node has no X.509 writer and no certificate library is installed): an EC P-256 CA, then a
 * server key and certificate with `subjectAltName` IP:127.0.0.1 and DNS:localhost signed by it.
 */
export function fakeClusterTls(): FakeClusterTls {
  if (cached) return cached;
  const dir = mkdtempSync(join(tmpdir(), "fake-k8s-tls-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  try {
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", file("ca.key"));
    openssl(
      "req",
      "-x509",
      "-new",
      "-key",
      file("ca.key"),
      "-sha256",
      "-days",
      "2",
      "-subj",
      "/CN=fake-kubernetes-ca",
      "-addext",
      "basicConstraints=critical,CA:TRUE",
      "-addext",
      "keyUsage=critical,keyCertSign,cRLSign",
      "-out",
      file("ca.crt"),
    );
    openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", file("server.key"));
    openssl("req", "-new", "-key", file("server.key"), "-subj", "/CN=kube-apiserver", "-out", file("server.csr"));
    writeFileSync(
      file("server.ext"),
      "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n",
    );
    openssl(
      "x509",
      "-req",
      "-in",
      file("server.csr"),
      "-CA",
      file("ca.crt"),
      "-CAkey",
      file("ca.key"),
      "-CAcreateserial",
      "-sha256",
      "-days",
      "2",
      "-extfile",
      file("server.ext"),
      "-out",
      file("server.crt"),
    );
    cached = {
      caCertificate: readFileSync(file("ca.crt"), "utf8"),
      serverCertificate: readFileSync(file("server.crt"), "utf8"),
      serverKey: readFileSync(file("server.key"), "utf8"),
    };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
