import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A certificate and its private key as PEM files. */
export interface CertificateFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** A throw-away certificate authority in a temp dir that issues server and client certificates. */
export interface TestCertificateAuthority extends CertificateFiles {
  /**
   * Issues a certificate signed by this CA: `server` ones carry SAN IP:127.0.0.1 and DNS:localhost
   * (or `altNames`, in openssl's syntax) and serverAuth, `client` ones clientAuth. Written to
   * `<name>.crt`/`<name>.key`.
   */
  issue(name: string, usage: "server" | "client", options?: { altNames?: string }): CertificateFiles;
}

/** A directory of test PKI material, removed by `remove`. */
export interface TestPki {
  readonly dir: string;
  /** Creates a CA (EC P-256, valid two days) named `name`. */
  authority(name: string): TestCertificateAuthority;
  remove(): void;
}

/**
 * Test certificates made with the machine's `openssl` (Node has no X.509 writer and no certificate
 * library is installed), the same way the Kubernetes and Azure fakes make theirs.
 */
export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "syncline-pki-"));
  const file = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  const newKey = (path: string) => openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", path);

  return {
    dir,
    authority(name) {
      const ca = { certFile: file(`${name}.crt`), keyFile: file(`${name}.key`) };
      newKey(ca.keyFile);
      // biome-ignore format: one openssl option per line reads worse here
      openssl("req", "-x509", "-new", "-key", ca.keyFile, "-sha256", "-days", "2", "-subj", `/CN=${name}`,
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        "-out", ca.certFile);
      return {
        ...ca,
        issue(leaf, usage, options = {}) {
          const out = { certFile: file(`${leaf}.crt`), keyFile: file(`${leaf}.key`) };
          const csr = file(`${leaf}.csr`);
          const ext = file(`${leaf}.ext`);
          newKey(out.keyFile);
          openssl("req", "-new", "-key", out.keyFile, "-subj", `/CN=${leaf}`, "-out", csr);
          const extensions =
            usage === "server"
              ? `subjectAltName=${options.altNames ?? "IP:127.0.0.1,DNS:localhost"}\nextendedKeyUsage=serverAuth\n`
              : "extendedKeyUsage=clientAuth\n";
          writeFileSync(ext, `${extensions}keyUsage=critical,digitalSignature\n`);
          // biome-ignore format: one openssl option per line reads worse here
          openssl("x509", "-req", "-in", csr, "-CA", ca.certFile, "-CAkey", ca.keyFile, "-set_serial",
            `0x${Date.now().toString(16)}${Math.floor(Math.random() * 0xffff).toString(16)}`, "-sha256", "-days", "2",
            "-extfile", ext, "-out", out.certFile);
          return out;
        },
      };
    },
    remove() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
