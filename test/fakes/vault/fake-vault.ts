import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createAppRoleAuth, type FakeAppRole } from "./approle.ts";
import { createFaults, type FakeVaultFaults, type FaultDecision } from "./faults.ts";
import { createKvStore, type FakeKvVersion } from "./kv-store.ts";
import { createWriteLog, type FakeLoggedWrite } from "../write-log.ts";
import {
  faultResponse,
  handleVaultRequest,
  namespaceOf,
  type FakeVaultRequest,
  type FakeVaultResponse,
  type FakeVaultWrite,
} from "./routes.ts";

export type { FakeAppRole } from "./approle.ts";
export type { FakeVaultFaults } from "./faults.ts";
export type { FakeKvVersion } from "./kv-store.ts";
export type { FakeVaultWrite } from "./routes.ts";
export type { FakeLoggedWrite } from "../write-log.ts";

/** The fake's configuration; every field has a default good for most tests. */
export interface FakeVaultOptions {
  /** Tokens Vault accepts (all with root policy); default `["fake-vault-root-token"]`. */
  readonly tokens?: readonly string[];
  /** KV v2 mounts enabled in every namespace; default `["secret"]`. */
  readonly mounts?: readonly string[];
  /** Enterprise namespaces besides the root; default none. */
  readonly namespaces?: readonly string[];
  /** AppRoles whose logins the fake accepts (`POST /v1/auth/<mount>/login`); default none. */
  readonly appRoles?: readonly FakeAppRole[];
  /** Port on 127.0.0.1; default 0 (a free port). */
  readonly port?: number;
}

/** One request the fake received: never a body or header value, so it is safe to print. */
export interface FakeVaultLoggedRequest {
  readonly method: string;
  /** Path and query as sent, e.g. `/v1/secret/metadata/apps?list=true`. */
  readonly path: string;
  readonly namespace: string;
  /** Status answered; 0 when the request was left hanging. */
  readonly status: number;
}

/** Where a seeded or inspected secret lives; the root namespace unless told. */
export interface FakeVaultLocation {
  readonly namespace?: string;
}

/** A running fake Vault and its test controls. */
export interface FakeVault {
  /** Base address, e.g. `http://127.0.0.1:41234` (no trailing slash). */
  readonly url: string;
  /** The first configured token. */
  readonly token: string;
  /** Stops listening and drops every connection, including hanging ones. */
  close(): Promise<void>;
  /** Writes a new version directly (no HTTP, no cas, no `onWrite`); returns its version number. */
  seed(mount: string, path: string, data: Record<string, unknown>, location?: FakeVaultLocation): number;
  /** The latest version's data, or undefined when absent, soft-deleted or destroyed. */
  read(mount: string, path: string, location?: FakeVaultLocation): Record<string, unknown> | undefined;
  /** Every version of the secret, oldest first (empty when it has no metadata). */
  versions(mount: string, path: string, location?: FakeVaultLocation): readonly FakeKvVersion[];
  readonly requests: readonly FakeVaultLoggedRequest[];
  readonly faults: FakeVaultFaults;
  /** Calls `listener` after each KV data write through the API; returns an unsubscribe function. */
  onWrite(listener: (write: FakeVaultWrite) => void): () => void;
  /**
   * Every key of every version written through the API, in order, with its value (destination
   * `mount/path`, prefixed by `namespace/` outside the root). Values are secret: assert on them,
   * never print them.
   */
  writeLog(): readonly FakeLoggedWrite[];
  /** Calls `listener` once each request is decided, before its answer is sent; returns an unsubscribe function. */
  onRequest(listener: (request: FakeVaultLoggedRequest) => void): () => void;
  /** AppRole logins answered 200 so far. */
  appRoleLogins(): number;
  /** Ends the lease of every token AppRole logins issued, now: the next call with one answers 403. */
  expireAppRoleTokens(): void;
}

/** Vault's default `max_request_size`. */
const MAX_REQUEST_BYTES = 32 * 1024 * 1024;

/**
 * Starts a protocol-faithful fake of Vault's KV v2, AppRole login, token lookup and health endpoints on
 * 127.0.0.1 and a free port. Vault's `LIST` verb, which Node's HTTP parser rejects, is answered
 * from the parser error (`Connection: close`), so both `LIST` and `GET ?list=true` work.
 */
export async function startFakeVault(options: FakeVaultOptions = {}): Promise<FakeVault> {
  const tokens = options.tokens ?? ["fake-vault-root-token"];
  const mounts = (options.mounts ?? ["secret"]).map((m) => m.replace(/^\/+|\/+$/g, ""));
  const namespaces = (options.namespaces ?? []).map((n) => n.replace(/^\/+|\/+$/g, ""));
  const store = createKvStore(mounts, namespaces);
  const appRoles = createAppRoleAuth(options.appRoles ?? []);
  const faults = createFaults();
  const requests: FakeVaultLoggedRequest[] = [];
  const writeListeners = new Set<(write: FakeVaultWrite) => void>();
  const requestListeners = new Set<(request: FakeVaultLoggedRequest) => void>();
  const rawSockets = new Set<Socket>();
  const writeLog = createWriteLog();
  let closed = false;

  function logWrite(write: FakeVaultWrite): void {
    const data = store.secret(write.namespace, write.mount, write.path)?.versions[write.version - 1]?.data ?? {};
    const destination = `${write.namespace ? `${write.namespace}/` : ""}${write.mount}/${write.path}`;
    for (const [key, value] of Object.entries(data)) {
      writeLog.record(destination, key, typeof value === "string" ? value : JSON.stringify(value));
    }
  }

  /**
   * `gone` says the client disconnected: a request it abandoned during the latency, or during a
   * random late answer's delay, is dropped unhandled (logged with status 0), as a server that stops
   * work for a closed connection does; so an aborted call has no effect.
   */
  async function answer(
    request: FakeVaultRequest,
    gone: () => boolean = () => false,
  ): Promise<FakeVaultResponse | undefined> {
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    let decision: FaultDecision = gone() ? { kind: "hang" } : faults.decide();
    if (decision.kind === "none" && decision.delayMs) {
      await sleep(decision.delayMs);
      if (gone()) decision = { kind: "hang" };
    }
    const response =
      decision.kind === "hang"
        ? undefined
        : decision.kind !== "none"
          ? faultResponse(decision, request)
          : request.body.length > MAX_REQUEST_BYTES
            ? { status: 413, body: { errors: ["http: request body too large"] } }
            : handleVaultRequest(request, {
                store,
                tokens: new Set(tokens),
                appRoles,
                namespaces: new Set(namespaces),
                sealed: faults.sealed,
                onWrite: (write) => {
                  logWrite(write);
                  for (const listener of writeListeners) listener(write);
                },
              });
    const search = request.query.size > 0 ? `?${request.query}` : "";
    const logged = {
      method: request.method,
      path: `${request.pathname}${search}`,
      namespace: namespaceOf(request),
      status: response?.status ?? 0,
    };
    requests.push(logged);
    for (const listener of requestListeners) listener(logged);
    return response;
  }

  const server = createServer(async (req: IncomingMessage, res: ServerResponse) => {
    let gone = false;
    res.on("close", () => (gone = !res.writableEnded));
    const chunks: Buffer[] = [];
    try {
      for await (const chunk of req) chunks.push(chunk as Buffer);
    } catch {
      return; // the client went away mid-body
    }
    const url = new URL(req.url ?? "/", "http://fake-vault");
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v]),
    );
    const text = Buffer.concat(chunks).toString("utf8");
    const request = {
      method: req.method ?? "GET",
      pathname: url.pathname,
      query: url.searchParams,
      headers,
      body: text,
    };
    const response = await answer(request, () => gone);
    if (!response || closed || res.destroyed) return;
    const body = response.body === undefined ? undefined : JSON.stringify(response.body);
    res.writeHead(response.status, {
      ...(body ? { "Content-Type": "application/json" } : {}),
      "Cache-Control": "no-store",
      ...response.headers,
    });
    res.end(body);
  });

  server.on("clientError", (error: Error & { code?: string; rawPacket?: Buffer }, socket: Socket) => {
    const head = error.code === "HPE_INVALID_METHOD" ? parseRawHead(error.rawPacket) : undefined;
    if (head?.method !== "LIST" || !socket.writable) {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
      else socket.destroy();
      return;
    }
    rawSockets.add(socket);
    socket.on("close", () => rawSockets.delete(socket));
    void answer(head).then((response) => {
      if (!response || closed || !socket.writable) return;
      const body = response.body === undefined ? "" : JSON.stringify(response.body);
      const extra = Object.entries(response.headers ?? {})
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join("");
      socket.end(
        `HTTP/1.1 ${response.status} X\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${extra}Connection: close\r\n\r\n${body}`,
      );
    });
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const where = (location?: FakeVaultLocation) => location?.namespace?.replace(/^\/+|\/+$/g, "") ?? "";

  return {
    url: `http://127.0.0.1:${port}`,
    token: tokens[0] ?? "",
    requests,
    faults,
    async close() {
      if (closed) return;
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      for (const socket of rawSockets) socket.destroy();
      await stopped;
    },
    seed(mount, path, data, location) {
      const result = store.write(where(location), mount, path, data);
      if (!result.ok) throw new Error("fake vault: seed without cas cannot conflict");
      return result.version.version;
    },
    read(mount, path, location) {
      const latest = store.secret(where(location), mount, path)?.versions.at(-1);
      return latest && !latest.deletionTime && !latest.destroyed && latest.data
        ? structuredClone(latest.data)
        : undefined;
    },
    versions(mount, path, location) {
      return structuredClone(store.secret(where(location), mount, path)?.versions ?? []);
    },
    writeLog: () => writeLog.entries(),
    onWrite(listener) {
      writeListeners.add(listener);
      return () => writeListeners.delete(listener);
    },
    onRequest(listener) {
      requestListeners.add(listener);
      return () => requestListeners.delete(listener);
    },
    appRoleLogins: () => appRoles.logins,
    expireAppRoleTokens: () => appRoles.expireAll(),
  };
}

/** The request line and headers of a request Node's parser refused (Vault's LIST has no body). */
function parseRawHead(raw: Buffer | undefined): FakeVaultRequest | undefined {
  const text = raw?.toString("latin1") ?? "";
  const end = text.indexOf("\r\n\r\n");
  if (end === -1) return undefined;
  const [requestLine = "", ...lines] = text.slice(0, end).split("\r\n");
  const [method, target] = requestLine.split(" ");
  if (!method || !target) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const url = new URL(target, "http://fake-vault");
  return { method, pathname: url.pathname, query: url.searchParams, headers, body: "" };
}
