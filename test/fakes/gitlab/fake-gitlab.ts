import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { createWriteLog, type FakeLoggedWrite } from "../write-log.ts";
import { createFaults, type FakeGitLabFaults, type FaultDecision } from "./faults.ts";
import {
  faultResponse,
  handleGitLabRequest,
  type FakeGitLabRequest,
  type FakeGitLabResponse,
  type FakeGitLabToken,
} from "./routes.ts";
import {
  createVariableStore,
  DEFAULT_FAKE_GITLAB_LIMITS,
  type FakeGitLabLimits,
  type FakeGitLabPlace,
  type FakeVariable,
} from "./variable-store.ts";

export type { FakeGitLabFaults } from "./faults.ts";
export type { FakeLoggedWrite } from "../write-log.ts";
export type { FakeGitLabToken } from "./routes.ts";
export type { FakeGitLabLimits, FakeGitLabPlace, FakeVariable } from "./variable-store.ts";

/** The fake's configuration; every field has a default good for most tests. */
export interface FakeGitLabOptions {
  /** Tokens GitLab accepts; default one owner token, `glpat-fake-gitlab-token`. */
  readonly tokens?: readonly FakeGitLabToken[];
  /** Projects by full path; default `acme/api` and `acme/web` (ids 100, 101). */
  readonly projects?: readonly string[];
  /** Groups by full path; default `acme` (id 1). */
  readonly groups?: readonly string[];
  /** Limits to enforce; default GitLab.com's. */
  readonly limits?: Partial<FakeGitLabLimits>;
  /** Port on 127.0.0.1; default 0 (a free port). */
  readonly port?: number;
}

/** One request the fake received: never a body or header value, so it is safe to print. */
export interface FakeGitLabLoggedRequest {
  readonly method: string;
  /** Path and query as sent, e.g. `/api/v4/projects/acme%2Fapi/variables?page=1&per_page=100`. */
  readonly path: string;
  /** Status answered; 0 when the request was left hanging. */
  readonly status: number;
}

/** What a seeded variable gets besides its value. */
export interface FakeSeedOptions {
  readonly environmentScope?: string;
  readonly description?: string;
  readonly masked?: boolean;
  readonly hidden?: boolean;
  readonly protected?: boolean;
  readonly raw?: boolean;
}

/** A running fake GitLab REST API v4 (CI/CD variables, token self-check) and its test controls. */
export interface FakeGitLab {
  /** Instance URL, e.g. `http://127.0.0.1:41234` (no trailing slash; the API is under `/api/v4`). */
  readonly url: string;
  /** The first configured token. */
  readonly token: string;
  /** Stops listening and drops every connection, including hanging ones. */
  close(): Promise<void>;
  /** Writes variables directly (no HTTP, no rules), replacing the same (key, environment scope). */
  seed(place: FakeGitLabPlace, entries: Readonly<Record<string, string>>, options?: FakeSeedOptions): void;
  /** Values of one environment scope (default `*`) by key, hidden ones included (test-only). */
  read(place: FakeGitLabPlace, environmentScope?: string): Map<string, string>;
  /** Every variable of the place (copies), every environment scope. */
  variables(place: FakeGitLabPlace): FakeVariable[];
  readonly requests: readonly FakeGitLabLoggedRequest[];
  readonly faults: FakeGitLabFaults;
  /** Every variable written through the API, in order (destination `project acme/api:*`). Values are secret: never print them. */
  writeLog(): readonly FakeLoggedWrite[];
  /** Calls `listener` once each request is decided, before its answer is sent; returns an unsubscribe function. */
  onRequest(listener: (request: FakeGitLabLoggedRequest) => void): () => void;
}

/** GitLab's default maximum request body (Workhorse / Rack), for the fake's 413. */
const MAX_REQUEST_BYTES = 1024 * 1024;

/**
 * Starts a protocol-faithful fake of GitLab's CI/CD variables REST API (projects and groups, by id
 * or URL-encoded full path) on 127.0.0.1: `PRIVATE-TOKEN` or `Authorization: Bearer` checked,
 * roles (Maintainer for projects, Owner for groups), offset pagination with `X-*` and `Link`
 * headers, `filter[environment_scope]`, GitLab's error bodies, masking rules and limits.
 */
export async function startFakeGitLab(options: FakeGitLabOptions = {}): Promise<FakeGitLab> {
  const tokens = options.tokens ?? [{ token: "glpat-fake-gitlab-token" }];
  const store = createVariableStore(options.projects ?? ["acme/api", "acme/web"], options.groups ?? ["acme"]);
  const limits = { ...DEFAULT_FAKE_GITLAB_LIMITS, ...options.limits };
  const faults = createFaults();
  const requests: FakeGitLabLoggedRequest[] = [];
  const listeners = new Set<(request: FakeGitLabLoggedRequest) => void>();
  const writeLog = createWriteLog();
  let closed = false;

  /** A request whose client went away before it was decided (latency, a late answer) has no effect. */
  async function answer(request: FakeGitLabRequest, gone: () => boolean): Promise<FakeGitLabResponse | undefined> {
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);
    let decision: FaultDecision = gone() ? { kind: "hang" } : faults.decide();
    if (decision.kind === "none" && decision.delayMs) {
      await sleep(decision.delayMs);
      if (gone()) decision = { kind: "hang" };
    }
    let response: FakeGitLabResponse | undefined;
    if (decision.kind === "hang") response = undefined;
    else if (decision.kind !== "none") response = faultResponse(decision);
    else if (Buffer.byteLength(request.body) > MAX_REQUEST_BYTES)
      response = { status: 413, body: { message: "413 Request Entity Too Large" } };
    else
      response = handleGitLabRequest(request, {
        store,
        tokens: new Map(tokens.map((t) => [t.token, t])),
        limits,
        onWrite: ({ namespace, variable }) =>
          writeLog.record(
            `${namespace.kind} ${namespace.fullPath}:${variable.environmentScope}`,
            variable.key,
            variable.value,
          ),
      });
    const search = request.query.size > 0 ? `?${request.query}` : "";
    const logged = { method: request.method, path: `${request.pathname}${search}`, status: response?.status ?? 0 };
    requests.push(logged);
    for (const listener of listeners) listener(logged);
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
    const url = new URL(req.url ?? "/", "http://fake-gitlab");
    const headers = Object.fromEntries(
      Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : v]),
    );
    const request: FakeGitLabRequest = {
      method: req.method ?? "GET",
      pathname: url.pathname,
      query: url.searchParams,
      headers,
      body: Buffer.concat(chunks).toString("utf8"),
      origin: `http://${req.headers.host ?? "127.0.0.1"}`,
    };
    const response = await answer(request, () => gone);
    if (!response || closed || res.destroyed) return;
    const text = typeof response.body === "string";
    const body = response.body === undefined ? undefined : text ? String(response.body) : JSON.stringify(response.body);
    res.writeHead(response.status, {
      ...(body && !text ? { "Content-Type": "application/json" } : {}),
      "Cache-Control": "no-cache",
      ...response.headers,
    });
    res.end(body);
  });

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

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
    seed(place, entries, seedOptions = {}) {
      const namespace = store.place(place);
      const environmentScope = seedOptions.environmentScope ?? "*";
      for (const [key, value] of Object.entries(entries)) {
        const index = namespace.variables.findIndex((v) => v.key === key && v.environmentScope === environmentScope);
        const variable: FakeVariable = {
          key,
          value,
          environmentScope,
          description: seedOptions.description ?? "",
          protected: seedOptions.protected ?? false,
          masked: (seedOptions.masked ?? false) || (seedOptions.hidden ?? false),
          hidden: seedOptions.hidden ?? false,
          raw: seedOptions.raw ?? false,
          variableType: "env_var",
        };
        if (index === -1) namespace.variables.push(variable);
        else namespace.variables[index] = variable;
      }
    },
    read(place, environmentScope = "*") {
      return new Map(
        store
          .place(place)
          .variables.filter((v) => v.environmentScope === environmentScope)
          .map((v) => [v.key, v.value]),
      );
    },
    variables: (place) => structuredClone(store.place(place).variables),
    writeLog: () => writeLog.entries(),
    onRequest(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
