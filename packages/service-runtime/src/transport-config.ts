import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError, int, optionalStr, readConfig, secret, type ConfigField } from "@syncline/config";

/**
 * How one process secures its connections, read from the environment in one place
 * (documented in docs/transport-security.md). Shapes match `ServerTls`/`ClientTls` of
 * @syncline/rpc and `BusAccess` of @syncline/bus, which take them as they are.
 */
export interface TransportSecurity {
  /** TLS of this process's gRPC server; plaintext when undefined. */
  readonly grpcServer?: {
    readonly certFile: string;
    readonly keyFile: string;
    readonly clientCaFile?: string;
    readonly refreshIntervalMs: number;
  };
  /** TLS of its calls to other services; plaintext when undefined. */
  readonly grpcClient?: {
    readonly caFile: string;
    readonly certFile?: string;
    readonly keyFile?: string;
    readonly refreshIntervalMs: number;
  };
  /** Its NATS user and TLS. */
  readonly nats: {
    readonly user?: string;
    readonly password?: string;
    readonly tls?: { readonly caFile: string; readonly certFile?: string; readonly keyFile?: string };
  };
}

type FileKind = "certificate" | "key";

/** A PEM file path: unset, or a readable file holding a certificate (chain) or a private key. */
function pemFile(variable: string, kind: FileKind): ConfigField<string | undefined> {
  return {
    variable,
    secret: false,
    parse(raw) {
      if (raw === undefined) return undefined;
      let pem: Buffer;
      try {
        pem = readFileSync(raw);
      } catch (error) {
        throw new Error(`cannot read ${raw} (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`);
      }
      try {
        if (kind === "certificate") new X509Certificate(pem);
        else createPrivateKey(pem);
      } catch {
        throw new Error(`${raw} does not hold a PEM ${kind === "certificate" ? "certificate" : "private key"}`);
      }
      return raw;
    },
  };
}

/** The transport variables; see {@link readTransportSecurity}. */
export const transportConfig = {
  certFile: pemFile("SYNCLINE_TLS_CERT_FILE", "certificate"),
  keyFile: pemFile("SYNCLINE_TLS_KEY_FILE", "key"),
  clientCaFile: pemFile("SYNCLINE_TLS_CLIENT_CA_FILE", "certificate"),
  caFile: pemFile("SYNCLINE_TLS_CA_FILE", "certificate"),
  clientCertFile: pemFile("SYNCLINE_TLS_CLIENT_CERT_FILE", "certificate"),
  clientKeyFile: pemFile("SYNCLINE_TLS_CLIENT_KEY_FILE", "key"),
  refreshIntervalMs: int("SYNCLINE_TLS_REFRESH_MS", { default: 60_000, min: 100, max: 86_400_000 }),
  natsUser: optionalStr("SYNCLINE_NATS_USER"),
  natsPassword: optionalSecret("SYNCLINE_NATS_PASSWORD"),
  natsCaFile: pemFile("SYNCLINE_NATS_TLS_CA_FILE", "certificate"),
  natsCertFile: pemFile("SYNCLINE_NATS_TLS_CERT_FILE", "certificate"),
  natsKeyFile: pemFile("SYNCLINE_NATS_TLS_KEY_FILE", "key"),
} as const;

function optionalSecret(variable: string): ConfigField<string | undefined> {
  const required = secret(variable, { minLength: 1 });
  return { variable, secret: true, parse: (raw) => (raw === undefined ? undefined : required.parse(raw)) };
}

/** A key that is not the certificate's (a renewal that replaced one file of the pair) is named at start. */
function mismatched(problems: string[], keyVariable: string, certFile?: string, keyFile?: string): void {
  if (!certFile || !keyFile) return;
  const certificate = new X509Certificate(readFileSync(certFile));
  if (!certificate.checkPrivateKey(createPrivateKey(readFileSync(keyFile)))) {
    problems.push(`${keyVariable}: ${keyFile} is not the private key of ${certFile}`);
  }
}

/** `a` and `b` are given together or not at all. */
function paired(problems: string[], a: [string, unknown], b: [string, unknown]): void {
  if ((a[1] === undefined) !== (b[1] === undefined)) {
    const [set, unset] = a[1] === undefined ? [b[0], a[0]] : [a[0], b[0]];
    problems.push(`${unset}: is required when ${set} is set`);
  }
}

/**
 * Reads and checks the transport variables: every file named must be readable and hold what it
 * should; a certificate needs its key and the reverse; a client CA needs a server certificate; a
 * client certificate needs the CA the servers are trusted by. Throws one ConfigError naming every
 * variable at fault (never a password or a key).
 */
export function readTransportSecurity(env: NodeJS.ProcessEnv = process.env): TransportSecurity {
  const c = readConfig(transportConfig, env);
  const problems: string[] = [];
  paired(problems, ["SYNCLINE_TLS_CERT_FILE", c.certFile], ["SYNCLINE_TLS_KEY_FILE", c.keyFile]);
  paired(
    problems,
    ["SYNCLINE_TLS_CLIENT_CERT_FILE", c.clientCertFile],
    ["SYNCLINE_TLS_CLIENT_KEY_FILE", c.clientKeyFile],
  );
  paired(problems, ["SYNCLINE_NATS_TLS_CERT_FILE", c.natsCertFile], ["SYNCLINE_NATS_TLS_KEY_FILE", c.natsKeyFile]);
  paired(problems, ["SYNCLINE_NATS_USER", c.natsUser], ["SYNCLINE_NATS_PASSWORD", c.natsPassword]);
  mismatched(problems, "SYNCLINE_TLS_KEY_FILE", c.certFile, c.keyFile);
  mismatched(problems, "SYNCLINE_TLS_CLIENT_KEY_FILE", c.clientCertFile, c.clientKeyFile);
  mismatched(problems, "SYNCLINE_NATS_TLS_KEY_FILE", c.natsCertFile, c.natsKeyFile);
  if (c.clientCaFile && !c.certFile) {
    problems.push(
      "SYNCLINE_TLS_CLIENT_CA_FILE: mutual TLS needs the server's own SYNCLINE_TLS_CERT_FILE and _KEY_FILE",
    );
  }
  if (c.clientCertFile && !c.caFile) {
    problems.push("SYNCLINE_TLS_CA_FILE: is required when SYNCLINE_TLS_CLIENT_CERT_FILE is set (TLS to the services)");
  }
  if (c.natsCertFile && !c.natsCaFile) {
    problems.push("SYNCLINE_NATS_TLS_CA_FILE: is required when SYNCLINE_NATS_TLS_CERT_FILE is set");
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const refreshIntervalMs = c.refreshIntervalMs;
  return {
    ...(c.certFile && c.keyFile
      ? { grpcServer: { certFile: c.certFile, keyFile: c.keyFile, clientCaFile: c.clientCaFile, refreshIntervalMs } }
      : {}),
    ...(c.caFile
      ? { grpcClient: { caFile: c.caFile, certFile: c.clientCertFile, keyFile: c.clientKeyFile, refreshIntervalMs } }
      : {}),
    nats: {
      user: c.natsUser,
      password: c.natsPassword,
      ...(c.natsCaFile ? { tls: { caFile: c.natsCaFile, certFile: c.natsCertFile, keyFile: c.natsKeyFile } } : {}),
    },
  };
}
