import { SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { Octokit } from "@octokit/rest";
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
import type { GitHubActionsConfig } from "./github-actions-config.ts";
import { classifyGitHubFailure, type GitHubCallTarget, type GitHubFailure } from "./github-errors.ts";
import { isGitHubPublicKey } from "./github-sealed-box.ts";

const tracer = trace.getTracer("syncline.connectors.github");

/** Default per-request deadline: long enough for a slow GitHub, short enough to free the worker. */
export const DEFAULT_GITHUB_TIMEOUT_MS = 10_000;
/** GitHub's largest page; the fewer requests, the less rate limit a listing costs. */
export const GITHUB_MAX_PAGE_SIZE = 100;
/** The REST API version every request asks for (GitHub's `X-GitHub-Api-Version`). */
export const GITHUB_API_VERSION = "2022-11-28";
/** Listing stops after this many pages (10,000 names at 100 a page), whatever the server says. */
const MAX_PAGES = 100;

/** Where and as whom to call GitHub. */
export interface GitHubClientOptions {
  /** REST API base URL without trailing slash, e.g. https://api.github.com. */
  readonly apiUrl: string;
  readonly token: string;
  /** Aborts every in-flight call (run cancelled or shutdown). */
  readonly signal?: AbortSignal;
  /** The gate every request goes through; absent: `timeoutMs` per request and `signal`. */
  readonly calls?: DestinationCalls;
  /** Deadline of each HTTP request when no gate is given; defaults to DEFAULT_GITHUB_TIMEOUT_MS. */
  readonly timeoutMs?: number;
  /** Secrets per listed page, 1..100; defaults to 100. */
  readonly pageSize?: number;
  /** Checks the API URL before the first request and every connection; default `defaultEndpointGuard()`. */
  readonly endpointGuard?: EndpointGuard;
}

/** A scope's public key: what secret values are sealed to, and its id to send along. */
export interface GitHubPublicKey {
  readonly keyId: string;
  readonly key: string;
}

/**
 * The GitHub REST endpoints Syncline uses, through Octokit. Every method throws `ConnectorError`
 * already classified; secret values only ever reach it sealed.
 */
export interface GitHubClient {
  /** GET /user. An installation token (which GitHub refuses there with 403 "Resource not accessible by integration") counts as valid: `login` is then undefined. */
  authenticatedUser(): Promise<{ readonly login: string | undefined }>;
  publicKey(scope: GitHubActionsConfig): Promise<GitHubPublicKey>;
  /** Every secret name of the scope, as GitHub stores it (upper-case), following pagination. */
  listSecretNames(scope: GitHubActionsConfig): Promise<string[]>;
  /** Creates or replaces a secret; GitHub's 201 means created, 204 updated. */
  putSecret(
    scope: GitHubActionsConfig,
    name: string,
    sealed: { readonly encryptedValue: string; readonly keyId: string },
  ): Promise<"created" | "updated">;
  /** Deletes a secret; false when GitHub had no such secret (404). */
  deleteSecret(scope: GitHubActionsConfig, name: string): Promise<boolean>;
}

interface CallState {
  status: number;
}

type Target = Omit<GitHubCallTarget, "apiUrl">;
type RequestOptions = { readonly signal: AbortSignal; readonly redirect: "manual"; readonly fetch: typeof fetch };

/**
 * Builds a client; performs no I/O. Redirects are not followed, so the token never follows one,
 * and the first request first passes the endpoint guard (`invalid_config` for an internal address).
 */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  const apiUrl = options.apiUrl.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? DEFAULT_GITHUB_TIMEOUT_MS;
  const pageSize = Math.min(GITHUB_MAX_PAGE_SIZE, Math.max(1, options.pageSize ?? GITHUB_MAX_PAGE_SIZE));
  const silent = () => undefined;
  const checkEndpoint = endpointCheckOnce(options.endpointGuard, apiUrl);
  const fetchThroughGuard = guardedFetch(options.endpointGuard ?? defaultEndpointGuard());
  const calls =
    options.calls ??
    createDeadlineCalls({
      timeoutMs,
      ...(options.signal ? { signal: options.signal } : {}),
    });
  const octokit = new Octokit({
    auth: options.token,
    baseUrl: apiUrl,
    userAgent: "syncline-connectors",
    log: { debug: silent, info: silent, warn: silent, error: silent },
  });
  octokit.hook.before("request", (request) => {
    request.headers["x-github-api-version"] = GITHUB_API_VERSION;
  });

  /**
   * Runs one HTTP request through the gate, in a CLIENT span (method, path, status; never a value or
   * the token), and classifies its failure inside the gate so a breaker sees the ConnectorError.
   */
  async function call<T>(
    target: Target,
    run: (request: RequestOptions) => Promise<T>,
    tolerate: (status: number, message: string) => boolean = () => false,
  ): Promise<T | undefined> {
    const full: GitHubCallTarget = { ...target, apiUrl };
    await checkEndpoint();
    return calls.call(`github ${target.operation}`, (gateSignal) => {
      const signal = options.calls && options.signal ? AbortSignal.any([gateSignal, options.signal]) : gateSignal;
      const attributes = { "github.operation": target.operation };
      const spanOptions = { kind: SpanKind.CLIENT, attributes };
      return tracer.startActiveSpan(`github ${target.operation}`, spanOptions, async (span) => {
        const state: CallState = { status: 0 };
        const fail = (failure: GitHubFailure): ConnectorError => {
          const error = classifyGitHubFailure(failure, full, [options.token]);
          span.setAttribute("error.type", failure.kind === "response" ? String(failure.status) : failure.kind);
          span.setStatus({ code: SpanStatusCode.ERROR, message: error.kind });
          return error;
        };
        try {
          let result: T;
          try {
            result = await run({ signal, redirect: "manual", fetch: tracedFetch(span, state, fetchThroughGuard) });
          } catch (error) {
            const response = responseOf(error);
            if (response && tolerate(response.status, response.message)) return undefined;
            if (response) throw fail({ kind: "response", ...response });
            if (signal.aborted) throw fail(abortCause(signal));
            throw fail({ kind: "network", cause: (error as { cause?: unknown }).cause ?? error });
          }
          if (state.status >= 300 && state.status < 400) {
            throw fail({ kind: "response", status: state.status, message: "", headers: {} });
          }
          return result;
        } finally {
          span.end();
        }
      });
    });
  }

  const unexpected = (target: Target, status: number) =>
    classifyGitHubFailure({ kind: "unexpected_body", status }, { ...target, apiUrl }, []);

  return {
    async authenticatedUser() {
      const target: Target = { operation: "token check", scope: undefined };
      const installationToken = (status: number, message: string) =>
        status === 403 && message === "Resource not accessible by integration";
      const response = await call(
        target,
        (request) => octokit.rest.users.getAuthenticated({ request }),
        installationToken,
      );
      if (response === undefined) return { login: undefined };
      const login = (response.data as { login?: unknown } | undefined)?.login;
      if (typeof login !== "string") throw unexpected(target, response.status);
      return { login };
    },

    async publicKey(scope) {
      const target: Target = { operation: "public key", scope };
      const response = await call(target, (request) => {
        switch (scope.scope) {
          case "repository":
            return octokit.rest.actions.getRepoPublicKey({ owner: scope.owner, repo: scope.repository, request });
          case "environment":
            return octokit.rest.actions.getEnvironmentPublicKey({
              owner: scope.owner,
              repo: scope.repository,
              environment_name: scope.environment,
              request,
            });
          case "organization":
            return octokit.rest.actions.getOrgPublicKey({ org: scope.organization, request });
        }
      });
      const data = response?.data as { key_id?: unknown; key?: unknown } | undefined;
      if (typeof data?.key_id !== "string" || typeof data.key !== "string" || !(await isGitHubPublicKey(data.key)))
        throw unexpected(target, response?.status ?? 0);
      return { keyId: data.key_id, key: data.key };
    },

    async listSecretNames(scope) {
      const target: Target = { operation: "list secrets", scope };
      const names: string[] = [];
      for (let page = 1; page <= MAX_PAGES; page++) {
        const response = await call(target, (request) => {
          const paging = { per_page: pageSize, page, request };
          switch (scope.scope) {
            case "repository":
              return octokit.rest.actions.listRepoSecrets({ owner: scope.owner, repo: scope.repository, ...paging });
            case "environment":
              return octokit.rest.actions.listEnvironmentSecrets({
                owner: scope.owner,
                repo: scope.repository,
                environment_name: scope.environment,
                ...paging,
              });
            case "organization":
              return octokit.rest.actions.listOrgSecrets({ org: scope.organization, ...paging });
          }
        });
        const secrets = (response?.data as { secrets?: unknown } | undefined)?.secrets;
        if (!Array.isArray(secrets) || !secrets.every((s) => typeof s?.name === "string"))
          throw unexpected(target, response?.status ?? 0);
        names.push(...secrets.map((s: { name: string }) => s.name));
        const hasNext = /<[^<>]+>;\s*rel="next"/.test(response?.headers.link ?? "");
        if (!hasNext || secrets.length === 0) break;
      }
      return names;
    },

    async putSecret(scope, name, sealed) {
      const target: Target = { operation: "write secret", scope, secretName: name };
      const body = { secret_name: name, encrypted_value: sealed.encryptedValue, key_id: sealed.keyId };
      const response = await call(target, (request) => {
        switch (scope.scope) {
          case "repository":
            return octokit.rest.actions.createOrUpdateRepoSecret({
              owner: scope.owner,
              repo: scope.repository,
              ...body,
              request,
            });
          case "environment":
            return octokit.rest.actions.createOrUpdateEnvironmentSecret({
              owner: scope.owner,
              repo: scope.repository,
              environment_name: scope.environment,
              ...body,
              request,
            });
          case "organization": {
            const selected =
              scope.visibility === "selected" ? { selected_repository_ids: [...scope.selectedRepositoryIds] } : {};
            return octokit.rest.actions.createOrUpdateOrgSecret({
              org: scope.organization,
              ...body,
              visibility: scope.visibility,
              ...selected,
              request,
            });
          }
        }
      });
      return response?.status === 201 ? "created" : "updated";
    },

    async deleteSecret(scope, name) {
      const target: Target = { operation: "delete secret", scope, secretName: name };
      const response = await call(
        target,
        (request) => {
          switch (scope.scope) {
            case "repository":
              return octokit.rest.actions.deleteRepoSecret({
                owner: scope.owner,
                repo: scope.repository,
                secret_name: name,
                request,
              });
            case "environment":
              return octokit.rest.actions.deleteEnvironmentSecret({
                owner: scope.owner,
                repo: scope.repository,
                environment_name: scope.environment,
                secret_name: name,
                request,
              });
            case "organization":
              return octokit.rest.actions.deleteOrgSecret({ org: scope.organization, secret_name: name, request });
          }
        },
        (status) => status === 404,
      );
      return response !== undefined;
    },
  };
}

/**
 * fetch (`send`, the guarded one) that reads the whole (capped) body and records the request's
 * method, path, host and status on the call's span and state.
 */
function tracedFetch(span: Span, state: CallState, send: typeof fetch): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    span.setAttributes({
      "http.request.method": init?.method ?? "GET",
      "url.path": url.pathname,
      "server.address": url.hostname,
    });
    const response = await send(input, init);
    state.status = response.status;
    span.setAttribute("http.response.status_code", response.status);
    // Read here (capped by the guarded dispatcher): Octokit swallows a failed body read and would
    // report an empty answer instead of ResponseTooLargeError.
    const body = await response.arrayBuffer();
    const empty = response.status === 204 || response.status === 205 || response.status === 304;
    return new Response(empty ? null : body, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}

/** The status, GitHub message and headers of an Octokit RequestError that carries a response. */
function responseOf(
  error: unknown,
): { status: number; message: string; headers: Record<string, string | undefined> } | undefined {
  if (error === null || typeof error !== "object") return undefined;
  const { status, response } = error as {
    status?: unknown;
    response?: { status?: unknown; headers?: Record<string, string | undefined>; data?: unknown };
  };
  if (typeof status !== "number" || !response || typeof response.status !== "number") return undefined;
  const data = response.data as { message?: unknown } | string | undefined;
  const message = typeof data === "string" ? data : typeof data?.message === "string" ? data.message : "";
  return { status: response.status, message, headers: response.headers ?? {} };
}
