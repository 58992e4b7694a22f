import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import {
  abortCause,
  createDeadlineCalls,
  defaultEndpointGuard,
  endpointCheckOnce,
  guardedFetch,
  type ConnectorError,
  type DestinationCalls,
  type EndpointGuard,
} from "../contract/index.ts";
import type { GitLabCiCdConfig } from "./gitlab-ci-cd-config.ts";
import { classifyGitLabFailure, gitlabMessages, type GitLabCallTarget, type GitLabFailure } from "./gitlab-errors.ts";

const tracer = trace.getTracer("syncline.connectors.gitlab");

/** Default per-request deadline when no gate is given. */
export const DEFAULT_GITLAB_TIMEOUT_MS = 10_000;
/** GitLab's largest page. */
export const GITLAB_MAX_PAGE_SIZE = 100;
/** Listing stops after this many pages (40,000 variables at 100 a page), whatever the server says. */
const MAX_PAGES = 400;

/** Where and as whom to call GitLab. */
export interface GitLabClientOptions {
  /** Instance URL without trailing slash, e.g. https://gitlab.com; the API is `<instanceUrl>/api/v4`. */
  readonly instanceUrl: string;
  readonly token: string;
  /** Aborts every in-flight call (run cancelled or shutdown). */
  readonly signal?: AbortSignal;
  /** The gate every request goes through; absent: `timeoutMs` per request and `signal`. */
  readonly calls?: DestinationCalls;
  /** Deadline of each HTTP request when no gate is given; defaults to DEFAULT_GITLAB_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  /** Variables per listed page, 1..100; defaults to 100. */
  readonly pageSize?: number;
  /** Checks the instance URL before the first request and every connection; default `defaultEndpointGuard()`. */
  readonly endpointGuard?: EndpointGuard;
}

/** One CI/CD variable as GitLab lists it. `value` is null for a hidden variable. */
export interface GitLabVariable {
  readonly key: string;
  readonly value: string | null;
  readonly environmentScope: string;
  readonly description: string;
  readonly hidden: boolean;
}

/** What a write sets besides the value; `hidden` only takes effect on create (GitLab cannot unhide). */
export interface GitLabVariableAttributes {
  readonly protected: boolean;
  readonly masked: boolean;
  readonly raw: boolean;
  readonly hidden: boolean;
  /** Undefined leaves GitLab's description as it is. */
  readonly description: string | undefined;
}

/** The GitLab REST v4 endpoints Syncline uses. Every method throws `ConnectorError` already classified. */
export interface GitLabClient {
  /** GET /personal_access_tokens/self (personal, project and group tokens); /user where that route is missing. */
  tokenCheck(): Promise<void>;
  /** Variables of the project or group, every environment scope, following pagination; `limit` stops early. */
  listVariables(place: GitLabCiCdConfig, limit?: number): Promise<GitLabVariable[]>;
  createVariable(
    place: GitLabCiCdConfig,
    key: string,
    value: string,
    attributes: GitLabVariableAttributes,
  ): Promise<void>;
  /** Updates the variable of the place's environment scope (`filter[environment_scope]`). */
  updateVariable(
    place: GitLabCiCdConfig,
    key: string,
    value: string,
    attributes: GitLabVariableAttributes,
  ): Promise<void>;
  /** Deletes the variable of the place's environment scope; false when GitLab had none (404). */
  deleteVariable(place: GitLabCiCdConfig, key: string): Promise<boolean>;
}

interface GitLabCall {
  readonly target: Omit<GitLabCallTarget, "instanceUrl">;
  readonly method: "GET" | "POST" | "PUT" | "DELETE";
  /** API path after `/api/v4`, already encoded. */
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: Readonly<Record<string, unknown>>;
  /** A 404 is an answer ("nothing there"), not a failure. */
  readonly absentOn404?: boolean;
  /** Values being written, scrubbed from any error text. */
  readonly secrets?: readonly string[];
}

interface GitLabAnswer {
  readonly status: number;
  readonly json: unknown;
  readonly headers: Headers;
}

/**
 * Builds a client on GitLab's documented REST API with `fetch` (no SDK retries, the gate's signal on
 * every request); performs no I/O. Redirects are refused so the token never follows one, and the
 * first request first passes the endpoint guard.
 */
export function createGitLabClient(options: GitLabClientOptions): GitLabClient {
  const instanceUrl = options.instanceUrl.replace(/\/+$/, "");
  const api = `${instanceUrl}/api/v4`;
  const pageSize = Math.min(GITLAB_MAX_PAGE_SIZE, Math.max(1, options.pageSize ?? GITLAB_MAX_PAGE_SIZE));
  const checkEndpoint = endpointCheckOnce(options.endpointGuard, instanceUrl);
  const fetchThroughGuard = guardedFetch(options.endpointGuard ?? defaultEndpointGuard());
  const calls =
    options.calls ??
    createDeadlineCalls({
      timeoutMs: options.timeoutMs ?? DEFAULT_GITLAB_TIMEOUT_MS,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const headers = { "PRIVATE-TOKEN": options.token, Accept: "application/json" };

  async function call(c: GitLabCall): Promise<GitLabAnswer> {
    await checkEndpoint();
    const url = new URL(`${api}${c.path}`);
    for (const [name, value] of Object.entries(c.query ?? {})) url.searchParams.set(name, value);
    const target: GitLabCallTarget = { ...c.target, instanceUrl };
    const attributes = {
      "http.request.method": c.method,
      "url.path": url.pathname,
      "server.address": url.hostname,
      "gitlab.operation": c.target.operation,
    };
    // Classified inside the gate, so the worker's breaker sees the ConnectorError (only transient counts).
    return calls.call(`gitlab ${c.target.operation}`, (gateSignal) => {
      const signal = options.calls && options.signal ? AbortSignal.any([gateSignal, options.signal]) : gateSignal;
      return tracer.startActiveSpan(
        `gitlab ${c.target.operation}`,
        { kind: SpanKind.CLIENT, attributes },
        async (span) => {
          const fail = (failure: GitLabFailure): ConnectorError => {
            const error = classifyGitLabFailure(failure, target, [options.token, ...(c.secrets ?? [])]);
            span.setAttribute("error.type", failure.kind === "response" ? String(failure.status) : failure.kind);
            span.setStatus({ code: SpanStatusCode.ERROR, message: error.kind });
            return error;
          };
          try {
            let response: Response;
            let text: string;
            try {
              response = await fetchThroughGuard(url, {
                method: c.method,
                headers: c.body === undefined ? headers : { ...headers, "Content-Type": "application/json" },
                body: c.body === undefined ? undefined : JSON.stringify(c.body),
                redirect: "manual",
                signal,
              });
              text = await response.text();
            } catch (error) {
              if (signal.aborted) throw fail(abortCause(signal));
              throw fail({ kind: "network", cause: error });
            }
            const { status } = response;
            span.setAttribute("http.response.status_code", status);
            const json = parseJson(text);
            if (status >= 200 && status < 300) return { status, json, headers: response.headers };
            if (status === 404 && c.absentOn404) return { status, json, headers: response.headers };
            throw fail({
              kind: "response",
              status,
              messages: json === undefined ? [text.slice(0, 200)] : gitlabMessages(json),
              headers: Object.fromEntries(response.headers),
            });
          } finally {
            span.end();
          }
        },
      );
    });
  }

  const collection = (place: GitLabCiCdConfig) =>
    `/${place.scope === "group" ? "groups" : "projects"}/${encodeURIComponent(place.path)}/variables`;
  const scopeFilter = (place: GitLabCiCdConfig) => ({ "filter[environment_scope]": place.environmentScope });
  const bodyOf = (place: GitLabCiCdConfig, value: string, a: GitLabVariableAttributes) => ({
    value,
    environment_scope: place.environmentScope,
    protected: a.protected,
    masked: a.masked,
    raw: a.raw,
    ...(a.description === undefined ? {} : { description: a.description }),
  });

  return {
    async tokenCheck() {
      const target = { operation: "token check", place: undefined } as const;
      const self = await call({ target, method: "GET", path: "/personal_access_tokens/self", absentOn404: true });
      const answer =
        self.status === 404 ? await call({ target, method: "GET", path: "/user", absentOn404: false }) : self;
      if (answer.json === null || typeof answer.json !== "object")
        throw classifyGitLabFailure({ kind: "unexpected_body", status: answer.status }, { ...target, instanceUrl }, []);
    },

    async listVariables(place, limit = Number.POSITIVE_INFINITY) {
      const target = { operation: "list variables", place } as const;
      const variables: GitLabVariable[] = [];
      let page = "1";
      for (let n = 0; n < MAX_PAGES && page !== "" && variables.length < limit; n++) {
        const perPage = String(Math.min(pageSize, Math.max(1, limit - variables.length)));
        const answer = await call({
          target,
          method: "GET",
          path: collection(place),
          query: { page, per_page: perPage },
        });
        if (!Array.isArray(answer.json))
          throw classifyGitLabFailure(
            { kind: "unexpected_body", status: answer.status },
            { ...target, instanceUrl },
            [],
          );
        for (const raw of answer.json) variables.push(variableOf(raw, answer.status, target));
        page = answer.headers.get("x-next-page")?.trim() ?? "";
        if (answer.json.length === 0) break;
      }
      return variables;
    },

    async createVariable(place, key, value, attributes) {
      await call({
        target: { operation: "create variable", place, key },
        method: "POST",
        path: collection(place),
        body: { key, ...bodyOf(place, value, attributes), masked_and_hidden: attributes.hidden },
        secrets: [value],
      });
    },

    async updateVariable(place, key, value, attributes) {
      await call({
        target: { operation: "update variable", place, key },
        method: "PUT",
        path: `${collection(place)}/${encodeURIComponent(key)}`,
        query: scopeFilter(place),
        body: bodyOf(place, value, attributes),
        secrets: [value],
      });
    },

    async deleteVariable(place, key) {
      const answer = await call({
        target: { operation: "delete variable", place, key },
        method: "DELETE",
        path: `${collection(place)}/${encodeURIComponent(key)}`,
        query: scopeFilter(place),
        absentOn404: true,
      });
      return answer.status !== 404;
    },
  };

  function variableOf(raw: unknown, status: number, target: Omit<GitLabCallTarget, "instanceUrl">): GitLabVariable {
    const v = (raw ?? {}) as Record<string, unknown>;
    if (typeof v.key !== "string" || (typeof v.value !== "string" && v.value !== null))
      throw classifyGitLabFailure({ kind: "unexpected_body", status }, { ...target, instanceUrl }, []);
    return {
      key: v.key,
      value: v.value,
      environmentScope: typeof v.environment_scope === "string" ? v.environment_scope : "*",
      description: typeof v.description === "string" ? v.description : "",
      hidden: v.hidden === true,
    };
  }
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
