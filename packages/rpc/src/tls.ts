import * as grpc from "@grpc/grpc-js";

const {
  createCertificateProviderChannelCredentials,
  createCertificateProviderServerCredentials,
  FileWatcherCertificateProvider,
} = grpc.experimental;

/** How often certificate files are re-read when no interval is given: a renewed certificate is live within a minute. */
export const DEFAULT_CERTIFICATE_REFRESH_MS = 60_000;

/**
 * A gRPC server's TLS identity, as PEM files. With `clientCaFile` the server requires mutual TLS:
 * a client without a certificate signed by that CA is refused at the handshake. The files are
 * re-read every `refreshIntervalMs`; new connections use what was read last, existing ones keep
 * theirs, so a renewed certificate goes live without a restart.
 */
export interface ServerTls {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile?: string;
  readonly refreshIntervalMs?: number;
}

/**
 * How a gRPC client trusts servers (`caFile`) and, for mutual TLS, proves itself (`certFile` and
 * `keyFile`, both or neither). Re-read like {@link ServerTls}.
 */
export interface ClientTls {
  readonly caFile: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly refreshIntervalMs?: number;
}

/** Server credentials, and a promise that settles once their files have been read the first time. */
export interface ServerTransport {
  readonly credentials: grpc.ServerCredentials;
  /**
   * Resolves once the certificate, key and client CA have been read (at once for plaintext);
   * rejects when a file cannot be read. Until then the server drops every connection, so
   * `listen` awaits it before the service reports itself serving.
   */
  loaded(): Promise<void>;
}

/** Plaintext without `tls`; otherwise TLS (mutual with a client CA) from files that are watched for changes. */
export function serverTransport(tls: ServerTls | undefined): ServerTransport {
  if (!tls) return { credentials: grpc.ServerCredentials.createInsecure(), loaded: async () => {} };
  const refreshIntervalMs = tls.refreshIntervalMs ?? DEFAULT_CERTIFICATE_REFRESH_MS;
  const identity = new FileWatcherCertificateProvider({
    certificateFile: tls.certFile,
    privateKeyFile: tls.keyFile,
    refreshIntervalMs,
  });
  const clientCa = tls.clientCaFile
    ? new FileWatcherCertificateProvider({ caCertificateFile: tls.clientCaFile, refreshIntervalMs })
    : null;
  // grpc-js 1.14 declares this function as (ca, identity, …) but hands its arguments to the
  // credentials' constructor as (identity, ca, …): the identity goes first, the (optional) CA second.
  const credentials = createCertificateProviderServerCredentials(identity, clientCa, clientCa !== null);
  const identityRead = firstUpdate(
    (listener) => identity.addIdentityCertificateListener(listener),
    (listener) => identity.removeIdentityCertificateListener(listener),
  );
  const caRead = clientCa
    ? firstUpdate(
        (listener) => clientCa.addCaCertificateListener(listener),
        (listener) => clientCa.removeCaCertificateListener(listener),
      )
    : Promise.resolve(true);
  return {
    credentials,
    async loaded() {
      const [identityOk, caOk] = await Promise.all([identityRead, caRead]);
      if (!identityOk) throw new Error(`cannot read the TLS certificate ${tls.certFile} or its key ${tls.keyFile}`);
      if (!caOk) throw new Error(`cannot read the TLS client CA ${tls.clientCaFile}`);
    },
  };
}

/** Whether a provider's first read succeeded; the listener stays only until then. */
function firstUpdate<L extends (update: object | null) => void>(
  add: (listener: L) => void,
  remove: (listener: L) => void,
): Promise<boolean> {
  return new Promise((resolve) => {
    const listener = ((update: object | null) => {
      // Removed on the next tick: the server's own listener, added when it binds, keeps the files watched.
      setImmediate(() => remove(listener));
      resolve(update !== null);
    }) as L;
    add(listener);
  });
}

/** Plaintext without `tls`; otherwise TLS trusting `caFile`, presenting a client certificate when given. */
export function channelCredentials(tls: ClientTls | undefined): grpc.ChannelCredentials {
  if (!tls) return grpc.credentials.createInsecure();
  const refreshIntervalMs = tls.refreshIntervalMs ?? DEFAULT_CERTIFICATE_REFRESH_MS;
  const ca = new FileWatcherCertificateProvider({ caCertificateFile: tls.caFile, refreshIntervalMs });
  const identity =
    tls.certFile && tls.keyFile
      ? new FileWatcherCertificateProvider({
          certificateFile: tls.certFile,
          privateKeyFile: tls.keyFile,
          refreshIntervalMs,
        })
      : null;
  return createCertificateProviderChannelCredentials(ca, identity);
}
