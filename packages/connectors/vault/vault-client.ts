import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  abortCause,
  createDeadlineCalls,
  defaultEndpointGuard,
  endpointCheckOnce,
  guardedFetch,
  withTokenRefresh,
  type ConnectorError,
  type DestinationCalls,
  type EndpointGuard,
  type TokenCache,
} from "../contract/index.ts";
import { appRoleToken, appRoleTokenCache } from "./vault-approle.ts";
import type { VaultAuth } from "./vault-credentials.ts";
import { classifyVaultFailure, type VaultCallTarget, type VaultFailure } from "./vault-errors.ts";

const tracer = trace.getTracer("syncline.connectors.vault");

/** Default per-request deadline: long enough for a busy Vault, short enough to free the worker. */
export const DEFAULT_VAULT_TIMEOUT_MS = 10_000;

/**
 * Where and as whom to call Vault. `namespace` is sent as `X-Vault-Namespace` when non-empty (the
 * AppRole login included). With AppRole the client logs in on its first call and keeps the client
 * token until shortly before its lease ends; a call Vault refuses (401/403) logs in once more and
 * is retried once.
 */
export interface VaultClientOptions {
  readonly instanceUrl: string;
  readonly namespace?: string;
  readonly auth: VaultAuth;
  /** The clock the AppRole token cache reads; defaults to `Date.now` (tests move it). */
  readonly now?: () => number;
  /** Aborts every in-flight call (run cancelled or shutdown). */
  readonly signal?: AbortSignal;
  /** The gate every request goes through; absent: `timeoutMs` per request and `signal`. */
  readonly calls?: DestinationCalls;
  /** Deadline of each HTTP request when no gate is given; defaults to DEFAULT_VAULT_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  /** Checks the instance URL before the first request and every connection; default `defaultEndpointGuard()`. */
  readonly endpointGuard?: EndpointGuard;
}

/** The latest version of a KV v2 secret: `data` is undefined when it never existed or its latest version is deleted. */
export interface KvSecretState {
  readonly data: Record<string, unknown> | undefined;
  /** Current version as Vault counts it (the `cas` a write must send); 0 when the secret has no metadata. */
  readonly version: number;
}

/** A KV v2 secret's metadata: its version history without values. */
export interface KvMetadata {
  readonly currentVersion: number;
  readonly createdTime: string;
  readonly updatedTime: string;
  readonly versions: ReadonlyMap<
    number,
    { readonly createdTime: string; readonly deletionTime: string; readonly destroyed: boolean }
  >;
}

/** What Vault says about the calling token; deliberately omits the token id. */
export interface VaultTokenInfo {
  readonly displayName: string;
  readonly policies: readonly string[];
  /** Seconds left; 0 for tokens that never expire. */
  readonly ttlSeconds: number;
}

/**
 * The few Vault HTTP endpoints Syncline uses. Every method throws `ConnectorError` already
 * classified; KV paths are given without the `data/` or `metadata/` segment.
 */
export interface VaultClient {
  readKv(mount: string, path: string): Promise<KvSecretState>;
  /** Writes a whole new version; `cas` must equal the current version (0 = only if absent). Returns the new version. */
  writeKv(
    mount: string,
    path: string,
    data: Readonly<Record<string, unknown>>,
    options: { readonly cas: number },
  ): Promise<number>;
  readKvMetadata(mount: string, path: string): Promise<KvMetadata | undefined>;
  /** Deletes every version and the metadata; succeeds when nothing is there. */
  deleteKvMetadata(mount: string, path: string): Promise<void>;
  /** Proves the token works (with AppRole: logs in first); every token may call it. */
  lookupSelf(): Promise<VaultTokenInfo>;
}

interface VaultCall {
  readonly operation: VaultCallTarget["operation"];
  readonly method: "GET" | "POST" | "DELETE";
  /** API path without `/v1/`, unencoded, e.g. `secret/data/apps/api`. */
  readonly apiPath: string;
  readonly body?: unknown;
  /** A 404 with an empty `errors` list means "nothing there" rather than a missing route. */
  readonly absentOn404?: boolean;
  /** Strings to scrub from error text besides the credentials (values being written). */
  readonly secrets?: readonly string[];
  /** Sent without a token (the AppRole login). */
  readonly anonymous?: boolean;
}

interface VaultAnswer {
  readonly status: number;
  readonly json: Record<string, unknown> | undefined;
}

/**
 * Builds a client; performs no I/O. Redirects are refused so the token never follows one, and the
 * first request first passes the endpoint guard (`invalid_config` for an internal address).
 */
export function createVaultClient(options: VaultClientOptions): VaultClient {
  const base = options.instanceUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? DEFAULT_VAULT_TIMEOUT_MS;
  const { auth } = options;
  const now = options.now ?? Date.now;
  const credentials = auth.method === "token" ? [auth.token] : [auth.roleId, auth.secretId];
  const headers: Record<string, string> = { Accept: "application/json" };
  const namespace = options.namespace?.replace(/^\/+|\/+$/g, "") ?? "";
  if (namespace) headers["X-Vault-Namespace"] = namespace;
  const checkEndpoint = endpointCheckOnce(options.endpointGuard, base);
  const fetchThroughGuard = guardedFetch(options.endpointGuard ?? defaultEndpointGuard());
  const calls =
    options.calls ??
    createDeadlineCalls({
      timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });

  const tokens: TokenCache | undefined =
    auth.method === "approle" ? appRoleTokenCache({ instanceUrl: base, namespace, ...auth }, login, now) : undefined;

  /** AppRole: `POST auth/<mount>/login` with the namespace header; the answer's client token. */
  async function login() {
    if (auth.method !== "approle") throw new Error("login is for AppRole credentials");
    const issuedAt = now();
    const { json } = await send(
      {
        operation: "approle login",
        method: "POST",
        apiPath: `auth/${auth.mount}/login`,
        body: { role_id: auth.roleId, secret_id: auth.secretId },
        anonymous: true,
      },
      undefined,
    );
    return appRoleToken(json, issuedAt);
  }

  /** One call as the connection: a fixed token, or the cached AppRole token refreshed once on a refusal. */
  async function call(c: VaultCall): Promise<VaultAnswer> {
    if (!tokens) return send(c, auth.method === "token" ? auth.token : undefined);
    await tokens.get(options.signal); // a refused login is final: it is not retried as a refused call
    return withTokenRefresh(tokens, (token) => send(c, token.token), options.signal);
  }

  async function send(c: VaultCall, token: string | undefined): Promise<VaultAnswer> {
    await checkEndpoint();
    const url = new URL(`${base}/v1/${c.apiPath.split("/").map(encodeURIComponent).join("/")}`);
    const target: VaultCallTarget = { operation: c.operation, apiPath: c.apiPath, instanceUrl: base };
    const attributes = {
      "http.request.method": c.method,
      "url.path": url.pathname,
      "server.address": url.hostname,
      "vault.operation": c.operation,
    };
    // Classified inside the gate, so the worker's breaker sees the ConnectorError (only transient counts).
    return calls.call(`vault ${c.operation}`, (gateSignal) => {
      const signal = options.calls && options.signal ? AbortSignal.any([gateSignal, options.signal]) : gateSignal;
      return tracer.startActiveSpan(`vault ${c.operation}`, { kind: SpanKind.CLIENT, attributes }, async (span) => {
        const fail = (failure: VaultFailure): ConnectorError => {
          const scrub = [...credentials, ...(token ? [token] : []), ...(c.secrets ?? [])];
          const error = classifyVaultFailure(failure, target, scrub);
          span.setAttribute("error.type", failure.kind === "response" ? String(failure.status) : failure.kind);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.kind });
          return error;
        };
        try {
          let status: number;
          let text: string;
          let retryAfter: string | null;
          try {
            const response = await fetchThroughGuard(url, {
              method: c.method,
              headers: {
                ...headers,
                ...(token && !c.anonymous ? { "X-Vault-Token": token } : {}),
                ...(c.body === undefined ? {} : { "Content-Type": "application/json" }),
              },
              body: c.body === undefined ? undefined : JSON.stringify(c.body),
              redirect: "manual",
              signal,
            });
            status = response.status;
            retryAfter = response.headers.get("retry-after");
            text = await response.text();
          } catch (error) {
            if (signal.aborted) throw fail(abortCause(signal));
            throw fail({ kind: "network", cause: error });
          }
          span.setAttribute("http.response.status_code", status);
          const json = parseObject(text);
          if (status >= 200 && status < 300) return { status, json };
          const errors = vaultErrors(json);
          if (status === 404 && c.absentOn404 && errors.length === 0) return { status, json };
          throw fail({ kind: "response", status, errors, retryAfter });
        } finally {
          span.end();
        }
      });
    });
  }

  return {
    async readKv(mount, path) {
      const { status, json } = await call({
        operation: "read",
        method: "GET",
        apiPath: `${mount}/data/${path}`,
        absentOn404: true,
      });
      const data = objectAt(json, "data");
      const metadata = objectAt(data, "metadata");
      const version = typeof metadata?.version === "number" ? metadata.version : 0;
      if (status === 404) return { data: undefined, version };
      const values = objectAt(data, "data");
      if (!values || version === 0) throw notKvV2(status, mount, path, base);
      return { data: values, version };
    },

    async writeKv(mount, path, data, { cas }) {
      const secrets = Object.values(data).filter((v): v is string => typeof v === "string");
      const { status, json } = await call({
        operation: "write",
        method: "POST",
        apiPath: `${mount}/data/${path}`,
        body: { options: { cas }, data },
        secrets,
      });
      const version = objectAt(json, "data")?.version;
      if (typeof version !== "number") throw notKvV2(status, mount, path, base, "write");
      return version;
    },

    async readKvMetadata(mount, path) {
      const { status, json } = await call({
        operation: "read metadata",
        method: "GET",
        apiPath: `${mount}/metadata/${path}`,
        absentOn404: true,
      });
      if (status === 404) return undefined;
      const data = objectAt(json, "data") ?? {};
      const versions = new Map<number, { createdTime: string; deletionTime: string; destroyed: boolean }>();
      for (const [version, raw] of Object.entries(objectAt(data, "versions") ?? {})) {
        const v = (raw ?? {}) as Record<string, unknown>;
        versions.set(Number(version), {
          createdTime: String(v.created_time ?? ""),
          deletionTime: String(v.deletion_time ?? ""),
          destroyed: v.destroyed === true,
        });
      }
      return {
        currentVersion: typeof data.current_version === "number" ? data.current_version : 0,
        createdTime: String(data.created_time ?? ""),
        updatedTime: String(data.updated_time ?? ""),
        versions,
      };
    },

    async deleteKvMetadata(mount, path) {
      await call({ operation: "delete metadata", method: "DELETE", apiPath: `${mount}/metadata/${path}` });
    },

    async lookupSelf() {
      const { json } = await call({ operation: "token lookup", method: "GET", apiPath: "auth/token/lookup-self" });
      const data = objectAt(json, "data") ?? {};
      return {
        displayName: typeof data.display_name === "string" ? data.display_name : "",
        policies: Array.isArray(data.policies) ? data.policies.filter((p): p is string => typeof p === "string") : [],
        ttlSeconds: typeof data.ttl === "number" ? data.ttl : 0,
      };
    },
  };
}

/** A 2xx that is not KV v2's shape (e.g. a KV v1 mount answering 204) is a config problem. */
function notKvV2(
  status: number,
  mount: string,
  path: string,
  instanceUrl: string,
  operation: "read" | "write" = "read",
): ConnectorError {
  return classifyVaultFailure(
    { kind: "unexpected_body", status },
    { operation, apiPath: `${mount}/data/${path}`, instanceUrl },
    [],
  );
}

function parseObject(text: string): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function objectAt(value: Record<string, unknown> | undefined, key: string): Record<string, unknown> | undefined {
  const inner = value?.[key];
  return inner !== null && typeof inner === "object" && !Array.isArray(inner)
    ? (inner as Record<string, unknown>)
    : undefined;
}

function vaultErrors(json: Record<string, unknown> | undefined): string[] {
  const errors = json?.errors;
  return Array.isArray(errors) ? errors.filter((e): e is string => typeof e === "string") : [];
}
