import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createWriteLog, type FakeLoggedWrite } from "../write-log.ts";
import { createFaults, type FakeKubernetesFaults, type FaultDecision } from "./faults.ts";
import {
  handleKubernetesRequest,
  MAX_REQUEST_BYTES,
  type FakeKubernetesRequest,
  type FakeSecretWrite,
  type FakeTokenGrant,
} from "./routes.ts";
import { createSecretStore } from "./secret-store.ts";
import { failure, type FakeResponse } from "./status.ts";
import { fakeClusterTls } from "./tls.ts";

export type { FakeKubernetesFaults } from "./faults.ts";
export type { FakeTokenGrant, FakeSecretWrite } from "./routes.ts";
export type { StoredSecret } from "./secret-store.ts";

/** The fake's configuration; every field has a default good for most tests. */
export interface FakeKubernetesOptions {
  /** Bearer tokens the API server accepts and what each may do; default one token allowed everything. */
  readonly tokens?: Readonly<Record<string, FakeTokenGrant>>;
  /** Namespaces that exist; default `default` and `apps`. */
  readonly namespaces?: readonly string[];
  /** Port on 127.0.0.1; default 0 (a free port). */
  readonly port?: number;
}

/** One request the fake received: never a body or header value, so it is safe to print. */
export interface FakeKubernetesLoggedRequest {
  readonly method: string;
  readonly path: string;
  /** Status answered; 0 when the request was left hanging or its client went away. */
  readonly status: number;
}

/** A running fake API server and its test controls. */
export interface FakeKubernetes {
  /** e.g. `https://127.0.0.1:41234`. */
  readonly url: string;
  /** The PEM CA certificate the server's certificate chains to (a connection's `ca_bundle`). */
  readonly caBundle: string;
  /** The first configured token. */
  readonly token: string;
  close(): Promise<void>;
  /**
   * Writes a Secret directly (no HTTP, no `onWrite`), creating it or replacing its data, labels and
   * annotations (each when given); returns its new resourceVersion.
   */
  seed(
    namespace: string,
    name: string,
    data: Readonly<Record<string, string>>,
    metadata?: { readonly labels?: Record<string, string>; readonly annotations?: Record<string, string> },
  ): string;
  /** The Secret's `data` decoded, or undefined when it does not exist. */
  read(namespace: string, name: string): Record<string, string> | undefined;
  /** The whole stored object (metadata, base64 data), or undefined. */
  object(namespace: string, name: string): import("./secret-store.ts").StoredSecret | undefined;
  readonly requests: readonly FakeKubernetesLoggedRequest[];
  readonly faults: FakeKubernetesFaults;
  /** Calls `listener` once each request is decided, before its answer is sent; returns an unsubscribe function. */
  onRequest(listener: (request: FakeKubernetesLoggedRequest) => void): () => void;
  /** Every key of every Secret write through the API, in order, with its value (destination `namespace/name`). */
  writeLog(): readonly FakeLoggedWrite[];
}

/**
 * Starts a protocol-faithful fake of the Kubernetes API server's Secret endpoints (plus `/version`,
 * `/api` and SelfSubjectAccessReview) over HTTPS on 127.0.0.1, with a CA generated at start.
 */
export async function startFakeKubernetes(options: FakeKubernetesOptions = {}): Promise<FakeKubernetes> {
  const tokenEntries = Object.entries(options.tokens ?? { "fake-kubernetes-sa-token": {} });
  const tokens = new Map(tokenEntries);
  const store = createSecretStore(options.namespaces ?? ["default", "apps"]);
  const faults = createFaults();
  const requests: FakeKubernetesLoggedRequest[] = [];
  const requestListeners = new Set<(request: FakeKubernetesLoggedRequest) => void>();
  const writeLog = createWriteLog();
  const tls = fakeClusterTls();
  let closed = false;

  function onWrite(write: FakeSecretWrite): void {
    for (const [key, value] of Object.entries(write.data))
      writeLog.record(`${write.namespace}/${write.name}`, key, value);
  }

  /** A request whose client went away during the latency is dropped unhandled, so an aborted call has no effect. */
  async function answer(
    request: FakeKubernetesRequest,
    size: number,
    gone: () => boolean,
  ): Promise<FakeResponse | undefined> {
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    const decision: FaultDecision = gone() ? { kind: "hang" } : faults.decide();
    const response =
      decision.kind === "hang"
        ? undefined
        : decision.kind === "fail"
          ? failure(
              decision.status,
              decision.status === 503 ? "ServiceUnavailable" : "InternalError",
              decision.status === 503
                ? "the server is currently unable to handle the request"
                : "Internal error occurred: etcdserver: request timed out",
            )
          : decision.kind === "rate_limit"
            ? {
                ...failure(429, "TooManyRequests", "Too many requests, please try again later.", {
                  retryAfterSeconds: decision.retryAfterSeconds,
                }),
                headers: { "Retry-After": String(decision.retryAfterSeconds) },
              }
            : size > MAX_REQUEST_BYTES
              ? failure(413, "RequestEntityTooLarge", `Request entity too large: limit is ${MAX_REQUEST_BYTES}`)
              : handleKubernetesRequest(request, { store, tokens, takeConflict: () => faults.takeConflict(), onWrite });
    const logged = { method: request.method, path: request.pathname, status: response?.status ?? 0 };
    requests.push(logged);
    for (const listener of requestListeners) listener(logged);
    return response;
  }

  const server = createServer(
    { key: tls.serverKey, cert: tls.serverCertificate },
    async (req: IncomingMessage, res: ServerResponse) => {
      let gone = false;
      res.on("close", () => (gone = !res.writableEnded));
      const chunks: Buffer[] = [];
      let size = 0;
      try {
        for await (const chunk of req) {
          size += (chunk as Buffer).length;
          if (size <= MAX_REQUEST_BYTES) chunks.push(chunk as Buffer);
        }
      } catch {
        return;
      }
      const url = new URL(req.url ?? "/", "https://fake-kubernetes");
      const headers = Object.fromEntries(
        Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v]),
      );
      const request = {
        method: req.method ?? "GET",
        pathname: url.pathname,
        query: url.searchParams,
        headers,
        body: Buffer.concat(chunks).toString("utf8"),
      };
      const response = await answer(request, size, () => gone);
      if (!response || closed || res.destroyed) return;
      const body = JSON.stringify(response.body);
      res.writeHead(response.status, {
        "Content-Type": "application/json",
        "Cache-Control": "no-cache, private",
        ...response.headers,
      });
      res.end(body);
    },
  );

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `https://127.0.0.1:${port}`,
    caBundle: tls.caCertificate,
    token: tokenEntries[0]?.[0] ?? "",
    requests,
    faults,
    async close() {
      if (closed) return;
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
    },
    seed(namespace, name, data, metadata) {
      const current = store.get(namespace, name);
      const stored = store.put({
        apiVersion: "v1",
        kind: "Secret",
        type: current?.type ?? "Opaque",
        metadata: {
          ...(current?.metadata ?? {}),
          name,
          namespace,
          ...(metadata?.labels ? { labels: metadata.labels } : {}),
          ...(metadata?.annotations ? { annotations: metadata.annotations } : {}),
        },
        data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, "utf8").toString("base64")])),
      });
      return stored.metadata.resourceVersion;
    },
    read(namespace, name) {
      const secret = store.get(namespace, name);
      if (!secret) return undefined;
      return Object.fromEntries(
        Object.entries(secret.data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
      );
    },
    object: (namespace, name) => store.get(namespace, name),
    onRequest(listener) {
      requestListeners.add(listener);
      return () => requestListeners.delete(listener);
    },
    writeLog: () => writeLog.entries(),
  };
}
