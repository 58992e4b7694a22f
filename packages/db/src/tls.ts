import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { checkServerIdentity, type ConnectionOptions } from "node:tls";

/** libpq's sslmode values, with libpq's meaning. */
export const sslModes = ["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] as const;
/** One of {@link sslModes}. */
export type SslMode = (typeof sslModes)[number];

/** What postgres.js gets for a database URL: the URL without the TLS parameters, and its `ssl` option. */
export interface PostgresTls {
  readonly url: string;
  readonly ssl: false | "prefer" | "require" | ConnectionOptions;
  readonly mode: SslMode;
}

const TLS_PARAMETERS = ["sslmode", "sslrootcert", "sslcert", "sslkey"] as const;

/**
 * Reads the libpq TLS parameters of a `postgres://` URL and turns them into postgres.js options,
 * because postgres.js alone ignores `sslrootcert` (it would send it to the server as a setting):
 * `require` encrypts without checking the certificate (unless `sslrootcert` is given, as libpq
 * does); `verify-ca` checks it is signed by `sslrootcert` (or the system CAs when unset or
 * `system`); `verify-full` also checks the host name against it. `sslcert`/`sslkey` present a
 * client certificate. Throws naming the file it cannot read; never echoes the URL (it may hold a password).
 */
export function postgresTls(databaseUrl: string): PostgresTls {
  const url = new URL(databaseUrl);
  const parameter = (name: (typeof TLS_PARAMETERS)[number]) => url.searchParams.get(name) ?? undefined;
  const requested = parameter("sslmode") ?? "disable";
  if (!(sslModes as readonly string[]).includes(requested)) {
    throw new Error(`sslmode must be one of ${sslModes.join(", ")}, got "${requested}"`);
  }
  const rootCert = parameter("sslrootcert");
  const mode: SslMode = requested === "require" && rootCert ? "verify-ca" : (requested as SslMode);
  const clientCert = parameter("sslcert");
  const clientKey = parameter("sslkey");
  for (const name of TLS_PARAMETERS) url.searchParams.delete(name);
  const stripped = url.toString();
  if (mode === "disable") return { url: stripped, ssl: false, mode };
  if (mode === "allow" || mode === "prefer") return { url: stripped, ssl: "prefer", mode };
  if (mode === "require") return { url: stripped, ssl: "require", mode };

  const host = decodeURIComponent(url.hostname).replace(/^\[|\]$/g, "");
  const ssl: ConnectionOptions = {
    rejectUnauthorized: true,
    ...(rootCert && rootCert !== "system" ? { ca: readPem(rootCert, "sslrootcert") } : {}),
    ...(clientCert ? { cert: readPem(clientCert, "sslcert") } : {}),
    ...(clientKey ? { key: readPem(clientKey, "sslkey") } : {}),
    ...(isIP(host) ? {} : { servername: host }),
    checkServerIdentity:
      mode === "verify-full" ? (_name, certificate) => checkServerIdentity(host, certificate) : () => undefined,
  };
  return { url: stripped, ssl, mode };
}

function readPem(path: string, parameter: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`${parameter}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? "unreadable"})`);
  }
}

const VERIFICATION_ERRORS = new Set([
  "SELF_SIGNED_CERT_IN_CHAIN",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_SIGNATURE_FAILURE",
]);

/**
 * A connection failure explained when it is the server's certificate failing verification (which
 * mode, which CA file, what to fix), otherwise undefined. Names the host, never the URL.
 */
export function certificateFailure(error: unknown, databaseUrl: string): Error | undefined {
  let failure = error as { code?: string; cause?: unknown } | undefined;
  // drizzle wraps the driver's error ("Failed query: …") with it as the cause.
  while (failure && !(failure.code && VERIFICATION_ERRORS.has(failure.code))) {
    failure = failure.cause as typeof failure;
  }
  const code = failure?.code;
  if (!code) return undefined;
  const url = new URL(databaseUrl);
  const mode = url.searchParams.get("sslmode");
  const rootCert = url.searchParams.get("sslrootcert");
  return new Error(
    `PostgreSQL at ${url.hostname}:${url.port || 5432}: the server's certificate failed verification ` +
      `(sslmode=${mode}, ${rootCert ? `sslrootcert=${rootCert}` : "system CAs"}): ${(failure as Error).message} [${code}]; ` +
      "give the CA that signed it in sslrootcert, or fix the host name in the URL",
    { cause: error },
  );
}
