import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Dispatcher } from "undici";
import {
  ApiException,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  Observable,
  VersionApi,
  type ConfigurationOptions,
  type RequestContext,
  type ResponseContext,
  type V1Secret,
} from "@kubernetes/client-node";
import {
  abortCause,
  createDeadlineCalls,
  createGuardedDispatcher,
  defaultEndpointGuard,
  endpointCheckOnce,
  type ConnectorError,
  type DestinationCalls,
  type EndpointGuard,
} from "../contract/index.ts";
import type { KubernetesConnectionCredentials } from "./kubernetes-credentials.ts";
import { classifyKubernetesFailure, type KubernetesCallTarget, type KubernetesFailure } from "./kubernetes-errors.ts";

const tracer = trace.getTracer("syncline.connectors.kubernetes");

/** Default per-request deadline when no gate is given. */
export const DEFAULT_KUBERNETES_TIMEOUT_MS = 10_000;

/** Where and as whom to call the API server. */
export interface KubernetesClientOptions extends KubernetesConnectionCredentials {
  /** Aborts every in-flight call (run cancelled or shutdown). */
  readonly signal?: AbortSignal;
  /** The gate every request goes through; absent: `timeoutMs` per request and `signal`. */
  readonly calls?: DestinationCalls;
  /** Deadline of each request when no gate is given; defaults to DEFAULT_KUBERNETES_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  /** Checks the API server URL before the first request and every connection; default `defaultEndpointGuard()`. */
  readonly endpointGuard?: EndpointGuard;
}

/** The Secret as read: what a read-modify-write needs. */
export interface SecretState {
  /** `data` decoded from base64 (UTF-8). */
  readonly data: ReadonlyMap<string, string>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly labels: Readonly<Record<string, string>>;
  readonly resourceVersion: string;
  /** The object as the server sent it, for a replace that keeps every other field. */
  readonly object: V1Secret;
}

/**
 * The few API calls Syncline makes, through `@kubernetes/client-node` (`CoreV1Api` and friends,
 * configured from a KubeConfig built in code). Every method throws `ConnectorError` already classified.
 */
export interface KubernetesClient {
  /** The Secret, or undefined when it does not exist. */
  readSecret(namespace: string, name: string): Promise<SecretState | undefined>;
  /** Creates the Secret; a 409 AlreadyExists is a `conflict`. */
  createSecret(namespace: string, secret: V1Secret, secrets: readonly string[]): Promise<V1Secret>;
  /** Replaces the Secret; `secret.metadata.resourceVersion` makes a stale write a `conflict`. */
  replaceSecret(namespace: string, name: string, secret: V1Secret, secrets: readonly string[]): Promise<V1Secret>;
  /** Deletes the Secret if still at `resourceVersion`; absent is not an error. */
  deleteSecret(namespace: string, name: string, resourceVersion: string): Promise<void>;
  /** Whether the token may `verb` secrets in `namespace` (SelfSubjectAccessReview). */
  mayAccessSecrets(verb: string, namespace: string, name?: string): Promise<boolean>;
  /** The server's `/version` gitVersion: proves the URL and the CA bundle. */
  serverVersion(): Promise<string>;
}

/** Builds a client; performs no I/O. The first request first passes the endpoint guard. */
export function createKubernetesClient(options: KubernetesClientOptions): KubernetesClient {
  const apiServerUrl = options.apiServerUrl.replace(/\/+$/, "");
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [
      {
        name: "syncline",
        server: apiServerUrl,
        skipTLSVerify: false,
        ...(options.caBundle ? { caData: Buffer.from(options.caBundle, "utf8").toString("base64") } : {}),
      },
    ],
    users: [{ name: "syncline", token: options.token }],
    contexts: [{ name: "syncline", cluster: "syncline", user: "syncline" }],
    currentContext: "syncline",
  });
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const authorization = kubeConfig.makeApiClient(AuthorizationV1Api);
  const version = kubeConfig.makeApiClient(VersionApi);
  const checkEndpoint = endpointCheckOnce(options.endpointGuard, apiServerUrl);
  // Replaces the dispatcher the KubeConfig would use (same CA bundle): every connection, redirect
  // hops included (the SDK's fetch follows them), resolves through the guard; bodies are capped.
  const dispatcher = createGuardedDispatcher(options.endpointGuard ?? defaultEndpointGuard(), {
    ...(options.caBundle ? { tls: { ca: options.caBundle } } : {}),
  });
  const calls =
    options.calls ??
    createDeadlineCalls({
      timeoutMs: options.timeoutMs ?? DEFAULT_KUBERNETES_TIMEOUT_MS,
      ...(options.signal ? { signal: options.signal } : {}),
    });

  async function call<T>(
    target: Omit<KubernetesCallTarget, "apiServerUrl">,
    http: { readonly method: string; readonly path: string },
    secrets: readonly string[],
    request: (options: ConfigurationOptions) => Promise<T>,
  ): Promise<T> {
    await checkEndpoint();
    const full: KubernetesCallTarget = { ...target, apiServerUrl };
    const attributes = {
      "http.request.method": http.method,
      "url.path": http.path,
      "server.address": new URL(apiServerUrl).hostname,
      "kubernetes.operation": target.operation,
    };
    // Classified inside the gate, so the worker's breaker sees the ConnectorError (only transient counts).
    return calls.call(`kubernetes ${target.operation}`, (gateSignal) => {
      const signal = options.calls && options.signal ? AbortSignal.any([gateSignal, options.signal]) : gateSignal;
      return tracer.startActiveSpan(
        `kubernetes ${target.operation}`,
        { kind: SpanKind.CLIENT, attributes },
        async (span) => {
          const fail = (failure: KubernetesFailure): ConnectorError => {
            const error = classifyKubernetesFailure(failure, full, [options.token, ...secrets]);
            span.setAttribute("error.type", failure.kind === "response" ? String(failure.status) : failure.kind);
            span.setStatus({ code: SpanStatusCode.ERROR, message: error.kind });
            return error;
          };
          try {
            const onStatus = (status: number) => span.setAttribute("http.response.status_code", status);
            return await request(callOptions(signal, dispatcher, onStatus));
          } catch (error) {
            if (error instanceof ApiException) throw fail(responseFailure(error));
            if (signal.aborted) throw fail(abortCause(signal));
            throw fail({ kind: "network", cause: error });
          } finally {
            span.end();
          }
        },
      );
    });
  }

  const secretPath = (namespace: string, name?: string) =>
    `/api/v1/namespaces/${namespace}/secrets${name === undefined ? "" : `/${name}`}`;

  return {
    async readSecret(namespace, name) {
      try {
        const object = await call(
          { operation: "read secret", object: `secret ${namespace}/${name}` },
          { method: "GET", path: secretPath(namespace, name) },
          [],
          (o) => core.readNamespacedSecret({ namespace, name }, o),
        );
        return secretState(object);
      } catch (error) {
        if ((error as ConnectorError).kind === "not_found") return undefined;
        throw error;
      }
    },

    createSecret(namespace, secret, secrets) {
      return call(
        { operation: "create secret", object: `secret ${namespace}/${secret.metadata?.name ?? ""}` },
        { method: "POST", path: secretPath(namespace) },
        secrets,
        (o) => core.createNamespacedSecret({ namespace, body: secret }, o),
      );
    },

    replaceSecret(namespace, name, secret, secrets) {
      return call(
        { operation: "replace secret", object: `secret ${namespace}/${name}` },
        { method: "PUT", path: secretPath(namespace, name) },
        secrets,
        (o) => core.replaceNamespacedSecret({ namespace, name, body: secret }, o),
      );
    },

    async deleteSecret(namespace, name, resourceVersion) {
      try {
        await call(
          { operation: "delete secret", object: `secret ${namespace}/${name}` },
          { method: "DELETE", path: secretPath(namespace, name) },
          [],
          (o) =>
            core.deleteNamespacedSecret(
              {
                namespace,
                name,
                body: { apiVersion: "v1", kind: "DeleteOptions", preconditions: { resourceVersion } },
              },
              o,
            ),
        );
      } catch (error) {
        if ((error as ConnectorError).kind !== "not_found") throw error;
      }
    },

    async mayAccessSecrets(verb, namespace, name) {
      const review = await call(
        { operation: "access review", object: `access to ${verb} secrets in ${namespace}` },
        { method: "POST", path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews" },
        [],
        (o) =>
          authorization.createSelfSubjectAccessReview(
            {
              body: {
                apiVersion: "authorization.k8s.io/v1",
                kind: "SelfSubjectAccessReview",
                spec: { resourceAttributes: { verb, resource: "secrets", namespace, ...(name ? { name } : {}) } },
              },
            },
            o,
          ),
      );
      return review.status?.allowed === true;
    },

    async serverVersion() {
      const info = await call(
        { operation: "server version", object: "/version" },
        { method: "GET", path: "/version" },
        [],
        (o) => version.getCode(undefined, o),
      );
      return info.gitVersion;
    },
  };
}

/**
 * Per-call options that hand the gate's signal and the guarded dispatcher to the SDK's fetch and
 * report the answer's status.
 */
function callOptions(
  signal: AbortSignal,
  dispatcher: Dispatcher,
  onStatus: (status: number) => void,
): ConfigurationOptions {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setSignal(signal);
          context.setDispatcher(dispatcher);
          return new Observable(Promise.resolve(context));
        },
        post: (response: ResponseContext) => {
          onStatus(response.httpStatusCode);
          return new Observable(Promise.resolve(response));
        },
      },
    ],
    middlewareMergeStrategy: "append",
  };
}

function responseFailure(error: ApiException<unknown>): KubernetesFailure {
  const body = typeof error.body === "string" ? parseJson(error.body) : error.body;
  const status = isRecord(body) ? body : {};
  const details: string[] = [];
  if (typeof status.message === "string") details.push(status.message);
  const causes = isRecord(status.details) && Array.isArray(status.details.causes) ? status.details.causes : [];
  for (const cause of causes) if (isRecord(cause) && typeof cause.message === "string") details.push(cause.message);
  return {
    kind: "response",
    status: error.code,
    reason: typeof status.reason === "string" ? status.reason : "",
    details,
    retryAfter: error.headers?.["retry-after"] ?? null,
  };
}

function secretState(object: V1Secret): SecretState {
  const data = new Map<string, string>();
  for (const [key, encoded] of Object.entries(object.data ?? {}))
    data.set(key, Buffer.from(encoded, "base64").toString("utf8"));
  return {
    data,
    annotations: object.metadata?.annotations ?? {},
    labels: object.metadata?.labels ?? {},
    resourceVersion: object.metadata?.resourceVersion ?? "",
    object,
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}
