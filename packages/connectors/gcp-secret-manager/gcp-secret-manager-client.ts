import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { SecretManagerServiceClient } from "@google-cloud/secret-manager";
import { GoogleError, type CallOptions } from "google-gax";
import {
  abortCause,
  createDeadlineCalls,
  createTokenCache,
  defaultEndpointGuard,
  endpointCheckOnce,
  guardedFetch,
  DEFAULT_MAX_RESPONSE_BYTES,
  ResponseTooLargeError,
  withTokenRefresh,
  type DestinationCalls,
  type EndpointGuard,
} from "../contract/index.ts";
import type { GcpConnectionCredentials } from "./gcp-credentials.ts";
import { classifyGcpFailure, GrpcCode, type GcpCallTarget } from "./gcp-errors.ts";
import { pinnedSdkClient } from "./gcp-sdk-client.ts";
import { fetchAccessToken } from "./gcp-token.ts";

const tracer = trace.getTracer("syncline.connectors.gcp");

/** Default per-request deadline when no gate is given. */
export const DEFAULT_GCP_TIMEOUT_MS = 10_000;
/** Secrets per ListSecrets page. */
export const GCP_LIST_PAGE_SIZE = 250;

/** How to reach Secret Manager and as whom. */
export interface GcpClientOptions {
  readonly credentials: GcpConnectionCredentials;
  readonly signal?: AbortSignal;
  readonly calls?: DestinationCalls;
  readonly timeoutMs?: number;
  /** Checks the API endpoint and the token URI before the first request; defaults to `defaultEndpointGuard()`. */
  readonly endpointGuard?: EndpointGuard;
}

/** One secret as listed: its id and labels. */
export interface GcpSecretSummary {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** A secret version's full name and state (`ENABLED`, `DISABLED`, `DESTROYED`). */
export interface GcpVersionSummary {
  readonly name: string;
  readonly state: string;
}

/** How a new secret is created: its labels and user-managed locations (empty = automatic). */
export interface GcpNewSecret {
  readonly labels: Readonly<Record<string, string>>;
  readonly locations: readonly string[];
}

/**
 * The Secret Manager calls Syncline makes, one gRPC request each, already classified. Absent
 * things are `undefined`/`false` rather than errors where the connector needs to know.
 */
export interface GcpSecretManagerClient {
  listSecrets(project: string, pageToken: string): Promise<{ secrets: GcpSecretSummary[]; nextPageToken: string }>;
  /** Labels of a secret, or undefined when it does not exist. */
  getSecret(project: string, id: string): Promise<GcpSecretSummary | undefined>;
  /** Creates an empty secret; false when it already exists. */
  createSecret(project: string, id: string, secret: GcpNewSecret): Promise<boolean>;
  /** Adds a version holding `value`; undefined when the secret does not exist, else the version's name. */
  addVersion(project: string, id: string, value: string): Promise<string | undefined>;
  /** The latest version's value, or undefined when there is none to read (no version, disabled, destroyed). */
  accessLatest(project: string, id: string): Promise<string | undefined>;
  updateLabels(project: string, id: string, labels: Readonly<Record<string, string>>): Promise<void>;
  listVersions(project: string, id: string): Promise<GcpVersionSummary[]>;
  disableVersion(name: string): Promise<void>;
  destroyVersion(name: string): Promise<void>;
  /** Deletes a secret with all its versions; false when it did not exist. */
  deleteSecret(project: string, id: string): Promise<boolean>;
}

const secretName = (project: string, id: string) => `projects/${project}/secrets/${id}`;

/**
 * Builds a client; performs no I/O. Every request goes through the call gate with its signal (the
 * SDK's retries off), carries a cached access token (refreshed once when refused) and gets a
 * CLIENT span naming the method and status, never a value.
 */
export function createGcpSecretManagerClient(options: GcpClientOptions): GcpSecretManagerClient {
  const { credentials } = options;
  const guard = options.endpointGuard ?? defaultEndpointGuard();
  const fetchThroughGuard = guardedFetch(guard);
  const checkApi = endpointCheckOnce(options.endpointGuard, credentials.apiEndpoint);
  const checkToken = endpointCheckOnce(options.endpointGuard, credentials.tokenUri);
  const tokens = createTokenCache((signal) =>
    fetchAccessToken(credentials, signal ?? new AbortController().signal, fetchThroughGuard),
  );
  const calls =
    options.calls ??
    createDeadlineCalls({
      timeoutMs: options.timeoutMs ?? DEFAULT_GCP_TIMEOUT_MS,
      ...(options.signal ? { signal: options.signal } : {}),
    });

  async function call<T>(
    method: string,
    resource: string,
    invoke: (callOptions: CallOptions, sdk: SecretManagerServiceClient) => Promise<T>,
    secrets: readonly string[] = [],
  ): Promise<T> {
    await checkApi();
    await checkToken();
    const target: GcpCallTarget = { operation: method, resource, endpoint: credentials.apiEndpoint };
    const attributes = {
      "rpc.system": "grpc",
      "rpc.service": "google.cloud.secretmanager.v1.SecretManagerService",
      "rpc.method": method,
      "server.address": new URL(credentials.apiEndpoint).hostname,
    };
    return calls.call(`gcp ${method}`, (gateSignal) => {
      const signal = options.calls && options.signal ? AbortSignal.any([gateSignal, options.signal]) : gateSignal;
      return tracer.startActiveSpan(`gcp ${method}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
        try {
          return await withTokenRefresh(
            tokens,
            async ({ token }) => {
              let sdk: SecretManagerServiceClient;
              try {
                sdk = await pinnedSdkClient(credentials.apiEndpoint, guard);
              } catch (error) {
                throw classifyGcpFailure({ kind: "network", cause: error }, target, []);
              }
              try {
                return await invoke(
                  { retry: null, signal, otherArgs: { headers: { authorization: `Bearer ${token}` } } },
                  sdk,
                );
              } catch (error) {
                if (signal.aborted) throw classifyGcpFailure(abortCause(signal), target, []);
                const status = GoogleError.parseGRPCStatusDetails(error as GoogleError);
                span.setAttribute("rpc.grpc.status_code", Number(status.code ?? GrpcCode.UNKNOWN));
                const details = String((status as { details?: unknown }).details ?? "");
                if (status.code === GrpcCode.RESOURCE_EXHAUSTED && /message larger than max/i.test(details))
                  throw new ResponseTooLargeError(new URL(credentials.apiEndpoint).host, DEFAULT_MAX_RESPONSE_BYTES);
                throw classifyGcpFailure(
                  {
                    kind: "grpc",
                    code: Number(status.code ?? GrpcCode.UNKNOWN),
                    details,
                    retryDelayMs: retryDelayOf(status.statusDetails),
                  },
                  target,
                  [token, ...secrets],
                );
              }
            },
            signal,
          );
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as { kind?: string }).kind ?? "error" });
          throw error;
        } finally {
          span.end();
        }
      });
    });
  }

  /** Runs `request`, answering `absent` instead of failing when Secret Manager says NOT_FOUND. */
  async function unlessNotFound<T, A>(request: () => Promise<T>, absent: A): Promise<T | A> {
    try {
      return await request();
    } catch (error) {
      if ((error as { kind?: string }).kind === "not_found") return absent;
      throw error;
    }
  }

  return {
    async listSecrets(project, pageToken) {
      const [secrets, , response] = await call("ListSecrets", `projects/${project}`, (o, sdk) =>
        sdk.listSecrets(
          { parent: `projects/${project}`, pageSize: GCP_LIST_PAGE_SIZE, pageToken },
          { ...o, autoPaginate: false },
        ),
      );
      return {
        secrets: secrets.map((s) => ({
          id:
            String(s.name ?? "")
              .split("/")
              .pop() ?? "",
          labels: { ...s.labels },
        })),
        nextPageToken: response?.nextPageToken ?? "",
      };
    },

    getSecret(project, id) {
      return unlessNotFound(async () => {
        const [secret] = await call("GetSecret", secretName(project, id), (o, sdk) =>
          sdk.getSecret({ name: secretName(project, id) }, o),
        );
        return { id, labels: { ...secret.labels } };
      }, undefined);
    },

    async createSecret(project, id, secret) {
      const replication =
        secret.locations.length === 0
          ? { automatic: {} }
          : { userManaged: { replicas: secret.locations.map((location) => ({ location })) } };
      try {
        await call("CreateSecret", secretName(project, id), (o, sdk) =>
          sdk.createSecret(
            { parent: `projects/${project}`, secretId: id, secret: { replication, labels: { ...secret.labels } } },
            o,
          ),
        );
        return true;
      } catch (error) {
        if ((error as { kind?: string }).kind === "conflict") return false;
        throw error;
      }
    },

    addVersion(project, id, value) {
      const data = Buffer.from(value, "utf8");
      return unlessNotFound(async () => {
        const [version] = await call(
          "AddSecretVersion",
          secretName(project, id),
          (o, sdk) =>
            sdk.addSecretVersion(
              { parent: secretName(project, id), payload: { data, dataCrc32c: crc32c(data).toString() } },
              o,
            ),
          [value],
        );
        return String(version.name ?? "");
      }, undefined);
    },

    async accessLatest(project, id) {
      try {
        const name = `${secretName(project, id)}/versions/latest`;
        const [version] = await call("AccessSecretVersion", name, (o, sdk) => sdk.accessSecretVersion({ name }, o));
        const data = version.payload?.data;
        if (data === null || data === undefined) return "";
        return typeof data === "string"
          ? Buffer.from(data, "base64").toString("utf8")
          : Buffer.from(data).toString("utf8");
      } catch (error) {
        // No version yet, or the latest is disabled or destroyed: nothing to read.
        const kind = (error as { kind?: string }).kind;
        if (kind === "not_found" || kind === "invalid_config") return undefined;
        throw error;
      }
    },

    async updateLabels(project, id, labels) {
      await call("UpdateSecret", secretName(project, id), (o, sdk) =>
        sdk.updateSecret(
          { secret: { name: secretName(project, id), labels: { ...labels } }, updateMask: { paths: ["labels"] } },
          o,
        ),
      );
    },

    async listVersions(project, id) {
      const versions: GcpVersionSummary[] = [];
      let pageToken = "";
      do {
        const [page, , response] = await call("ListSecretVersions", secretName(project, id), (o, sdk) =>
          sdk.listSecretVersions(
            { parent: secretName(project, id), pageSize: GCP_LIST_PAGE_SIZE, pageToken },
            { ...o, autoPaginate: false },
          ),
        );
        for (const v of page) versions.push({ name: String(v.name ?? ""), state: String(v.state ?? "") });
        pageToken = response?.nextPageToken ?? "";
      } while (pageToken);
      return versions;
    },

    async disableVersion(name) {
      await call("DisableSecretVersion", name, (o, sdk) => sdk.disableSecretVersion({ name }, o));
    },

    async destroyVersion(name) {
      await call("DestroySecretVersion", name, (o, sdk) => sdk.destroySecretVersion({ name }, o));
    },

    deleteSecret(project, id) {
      return unlessNotFound(async () => {
        await call("DeleteSecret", secretName(project, id), (o, sdk) =>
          sdk.deleteSecret({ name: secretName(project, id) }, o),
        );
        return true;
      }, false);
    },
  };
}

/** RetryInfo.retry_delay among a status's decoded details, in ms. */
function retryDelayOf(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const detail of details) {
    const delay = (detail as { retryDelay?: { seconds?: unknown; nanos?: unknown } } | null)?.retryDelay;
    if (delay) return Number(delay.seconds ?? 0) * 1000 + Math.round(Number(delay.nanos ?? 0) / 1e6);
  }
  return undefined;
}

const crcTable = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC32C (Castagnoli) of a payload, which Secret Manager checks when sent (`data_crc32c`). */
export function crc32c(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = crcTable[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
