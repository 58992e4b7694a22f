import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import sodium from "libsodium-wrappers";
import { createWriteLog, type FakeLoggedWrite } from "../write-log.ts";
import { createFaults, type FakeGitHubFaults, type FaultDecision } from "./faults.ts";
import {
  errorResponse,
  faultResponse,
  handleGitHubRequest,
  quotaHeaders,
  type FakeGitHubRequest,
  type FakeGitHubResponse,
  type FakeGitHubToken,
} from "./routes.ts";
import { createSecretStore, type FakeSecret, type FakeSecretScope, type FakeVisibility } from "./secret-store.ts";

export type { FakeGitHubFaults } from "./faults.ts";
export type { FakeLoggedWrite } from "../write-log.ts";
export type { FakeGitHubToken } from "./routes.ts";
export type { FakeSecret, FakeSecretScope, FakeVisibility } from "./secret-store.ts";
export { FAKE_LIMITS } from "./routes.ts";

/** The fake's configuration; every field has a default good for most tests. */
export interface FakeGitHubOptions {
  /** Tokens GitHub accepts; default one user token with write access, `fake-github-token`. */
  readonly tokens?: readonly FakeGitHubToken[];
  /** Repositories as `owner/name` with their deployment environments; default `acme/api` with `production`, and `acme/web`. */
  readonly repositories?: readonly { readonly repository: string; readonly environments?: readonly string[] }[];
  /** Organizations; default `acme`. */
  readonly organizations?: readonly string[];
  /** Renamed repositories: old `owner/name` → current `owner/name`; requests to the old name are redirected (301/307). */
  readonly moved?: Readonly<Record<string, string>>;
  /** Port on 127.0.0.1; default 0 (a free port). */
  readonly port?: number;
}

/** One request the fake received: never a body or a header value, so it is safe to print. */
export interface FakeGitHubLoggedRequest {
  readonly method: string;
  /** Path and query as sent, e.g. `/repos/acme/api/actions/secrets?per_page=100&page=1`. */
  readonly path: string;
  /** Status answered; 0 when the request was left hanging. */
  readonly status: number;
  /** The scope addressed, e.g. `repository acme/api`, when the route found one. */
  readonly scope?: string;
}

/** A running fake GitHub REST API (Actions secrets, GET /user) and its test controls. */
export interface FakeGitHub {
  /** Base address, e.g. `http://127.0.0.1:41234` (no trailing slash); use it as `api_url`. */
  readonly url: string;
  /** The first configured token. */
  readonly token: string;
  /** Stops listening and drops every connection, including hanging ones. */
  close(): Promise<void>;
  /** Writes secrets directly (no HTTP, no limits); names are upper-cased as GitHub does. */
  seed(
    scope: FakeSecretScope,
    entries: Readonly<Record<string, string>>,
    org?: { visibility: FakeVisibility; selectedRepositoryIds?: readonly number[] },
  ): void;
  /** The plaintext values GitHub would hold (test-only: the API never returns them), by name. */
  read(scope: FakeSecretScope): Map<string, string>;
  /** One secret's record (value, timestamps, visibility), or undefined. */
  secret(scope: FakeSecretScope, name: string): FakeSecret | undefined;
  /** The id of a repository given as `owner/name`. */
  repositoryId(repository: string): number;
  readonly requests: readonly FakeGitHubLoggedRequest[];
  readonly faults: FakeGitHubFaults;
  /**
   * Every secret PUT the fake applied, in order, with the value it opened from the sealed box
   * (destination: the scope, e.g. `repository acme/api`). Values are secret: assert on them, never print them.
   */
  writeLog(): readonly FakeLoggedWrite[];
  /** Calls `listener` once each request is decided, before its answer is sent; returns an unsubscribe function. */
  onRequest(listener: (request: FakeGitHubLoggedRequest) => void): () => void;
}

/** GitHub refuses request bodies above this size. */
const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * Starts a protocol-faithful fake of GitHub's Actions secrets REST endpoints (repository,
 * environment and organization scopes) and GET /user on 127.0.0.1. Each scope holds a real
 * libsodium key pair and opens the sealed values it receives, so tests can check what GitHub
 * would store; every response carries GitHub's `x-ratelimit-*` headers.
 */
export async function startFakeGitHub(options: FakeGitHubOptions = {}): Promise<FakeGitHub> {
  await sodium.ready;
  const tokens = options.tokens ?? [{ token: "fake-github-token" }];
  const repositories = (
    options.repositories ?? [{ repository: "acme/api", environments: ["production"] }, { repository: "acme/web" }]
  ).map((r) => {
    const [owner = "", name = ""] = r.repository.split("/");
    return { owner, name, environments: r.environments ?? [] };
  });
  const store = createSecretStore({ repositories, organizations: options.organizations ?? ["acme"] });
  const moved = new Map<string, number>();
  for (const [from, to] of Object.entries(options.moved ?? {})) {
    const [owner = "", name = ""] = to.split("/");
    const target = store.repository(owner, name);
    if (!target) throw new Error(`fake github: moved target ${to} is not a repository`);
    moved.set(from.toLowerCase(), target.id);
  }
  const faults = createFaults();
  const requests: FakeGitHubLoggedRequest[] = [];
  const listeners = new Set<(request: FakeGitHubLoggedRequest) => void>();
  const used = new Map<string, number>();
  const writeLog = createWriteLog();
  // Routes write through this view of the store, so every applied PUT lands in the write log (seeds do not).
  const loggedStore: typeof store = {
    ...store,
    put(state, name, value, org) {
      const created = store.put(state, name, value, org);
      writeLog.record(state.label, name.toUpperCase(), value);
      return created;
    },
  };
  let closed = false;

  /**
   * `gone` says the client disconnected: a request it abandoned during the latency, or during a
   * random late answer's delay, is dropped unhandled (logged with status 0), as a server that stops
   * work for a closed connection does; so an aborted call has no effect.
   */
  async function answer(
    request: FakeGitHubRequest,
    gone: () => boolean = () => false,
  ): Promise<FakeGitHubResponse | undefined> {
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    let decision: FaultDecision = gone() ? { kind: "hang" } : faults.decide();
    if (decision.kind === "none" && decision.delayMs) {
      await sleep(decision.delayMs);
      if (gone()) decision = { kind: "hang" };
    }
    let response: FakeGitHubResponse | undefined;
    if (decision.kind === "hang") response = undefined;
    else if (decision.kind !== "none") response = faultResponse(decision);
    else if (Buffer.byteLength(request.body) > MAX_REQUEST_BYTES) response = errorResponse(413, "Payload Too Large");
    else {
      const context = { store: loggedStore, tokens: new Map(tokens.map((t) => [t.token, t])), moved };
      response = withQuota(handleGitHubRequest(request, context), request);
    }
    const search = request.query.size > 0 ? `?${request.query}` : "";
    const logged = {
      method: request.method,
      path: `${request.pathname}${search}`,
      status: response?.status ?? 0,
      ...(response?.scope ? { scope: response.scope } : {}),
    };
    requests.push(logged);
    for (const listener of listeners) listener(logged);
    return response;
  }

  /** Every authenticated answer spends one request of the token's hourly quota, as GitHub reports it. */
  function withQuota(response: FakeGitHubResponse, request: FakeGitHubRequest): FakeGitHubResponse {
    const token = request.headers.authorization?.split(/\s+/)[1] ?? "";
    const count = (used.get(token) ?? 0) + 1;
    used.set(token, count);
    const reset = Math.floor(Date.now() / 1000) + 3600;
    return { ...response, headers: { ...quotaHeaders(Math.max(0, 5000 - count), reset), ...response.headers } };
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
    const url = new URL(req.url ?? "/", "http://fake-github");
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v]),
    );
    const origin = `http://${req.headers.host ?? "127.0.0.1"}`;
    const text = Buffer.concat(chunks).toString("utf8");
    const request = {
      method: req.method ?? "GET",
      pathname: url.pathname,
      query: url.searchParams,
      headers,
      body: text,
      origin,
    };
    const response = await answer(request, () => gone);
    if (!response || closed || res.destroyed) return;
    const body = response.body === undefined ? undefined : JSON.stringify(response.body);
    res.writeHead(response.status, {
      ...(body ? { "Content-Type": "application/json; charset=utf-8" } : {}),
      "X-GitHub-Media-Type": "github.v3; format=json",
      ...response.headers,
    });
    res.end(body);
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const scopeOf = (scope: FakeSecretScope) => {
    const state = store.scope(scope);
    if (!state) throw new Error(`fake github: no such scope ${JSON.stringify(scope)}`);
    return state;
  };

  return {
    url: `http://127.0.0.1:${port}`,
    token: tokens[0]?.token ?? "",
    requests,
    faults,
    async close() {
      if (closed) return;
      closed = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await stopped;
    },
    seed(scope, entries, org) {
      const state = scopeOf(scope);
      const settings =
        "organization" in scope
          ? { visibility: org?.visibility ?? "private", selectedRepositoryIds: org?.selectedRepositoryIds ?? [] }
          : undefined;
      for (const [name, value] of Object.entries(entries)) store.put(state, name, value, settings);
    },
    read(scope) {
      return new Map([...scopeOf(scope).secrets.values()].map((s) => [s.name, s.value]));
    },
    secret(scope, name) {
      const found = scopeOf(scope).secrets.get(name.toUpperCase());
      return found ? structuredClone(found) : undefined;
    },
    repositoryId(repository) {
      const [owner = "", name = ""] = repository.split("/");
      const found = store.repository(owner, name);
      if (!found) throw new Error(`fake github: no repository ${repository}`);
      return found.id;
    },
    writeLog: () => writeLog.entries(),
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
