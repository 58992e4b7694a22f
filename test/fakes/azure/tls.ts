import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import tls from "node:tls";

/** A self-signed certificate for 127.0.0.1 and localhost that is its own CA (test only). */
export interface FakeTlsIdentity {
  readonly key: string;
  readonly cert: string;
  /** A file holding `cert`, for `NODE_EXTRA_CA_CERTS` of child processes. */
  readonly caFile: string;
}

let identity: FakeTlsIdentity | undefined;

/**
 * The fake's TLS identity, made once per process with the `openssl` CLI (an EC P-256 key, valid
 * two days). The Azure SDK refuses bearer tokens over plain http and MSAL-style authorities must
 * be https, so the fake serves TLS and tests trust this certificate.
 */
export function fakeTlsIdentity(): FakeTlsIdentity {
  if (identity) return identity;
  const pem = execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=syncline-fake-azure",
      "-addext",
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "-keyout",
      "-",
      "-out",
      "-",
    ],
    { stdio: ["ignore", "pipe", "ignore"] },
  ).toString("utf8");
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n/.exec(pem)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n/.exec(pem)?.[0];
  if (!key || !cert) throw new Error("fake azure: openssl did not produce a key and certificate");
  const dir = mkdtempSync(join(tmpdir(), "syncline-fake-azure-"));
  const caFile = join(dir, "ca.pem");
  writeFileSync(caFile, cert);
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  identity = { key, cert, caFile };
  return identity;
}

/**
 * Makes this process trust the fake's certificate for every TLS client (`fetch`, `https`), next
 * to the usual CAs. Child processes get it through `NODE_EXTRA_CA_CERTS=<caFile>` instead.
 */
export function trustFakeAzureCa(): void {
  const { cert } = fakeTlsIdentity();
  const current = tls.getCACertificates("default");
  if (!current.includes(cert)) tls.setDefaultCACertificates([...current, cert]);
}
