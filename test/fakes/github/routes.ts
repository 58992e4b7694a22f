import type { FaultDecision } from "./faults.ts";
import type { FakeScopeState, FakeSecret, FakeSecretScope, FakeSecretStore, FakeVisibility } from "./secret-store.ts";

/** A request as the routes see it. */
export interface FakeGitHubRequest {
  readonly method: string;
  /** Raw (percent-encoded) path, e.g. `/repos/acme/api/environments/prod%2Feu/secrets`. */
  readonly pathname: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  /** `http://127.0.0.1:port`, for Link and Location headers. */
  readonly origin: string;
}

/** A response to send; `body` is JSON-encoded unless undefined (204). */
export interface FakeGitHubResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** The scope addressed, for the request log. */
  readonly scope?: string;
}

/** A token the fake accepts. `installation` tokens cannot read GET /user; `read` tokens cannot write. */
export interface FakeGitHubToken {
  readonly token: string;
  readonly login?: string;
  readonly kind?: "user" | "installation";
  readonly access?: "write" | "read";
}

/** What the routes read. `moved` maps a lower-case `owner/name` that was renamed to the repository's id. */
export interface RouteContext {
  readonly store: FakeSecretStore;
  readonly tokens: ReadonlyMap<string, FakeGitHubToken>;
  readonly moved: ReadonlyMap<string, number>;
}

/** GitHub's documented limits: secrets per repository / environment / organization, and value size. */
export const FAKE_LIMITS = { repository: 100, environment: 100, organization: 1_000, valueBytes: 48 * 1024 } as const;
const SECRET_NAME = /^(?![Gg][Ii][Tt][Hh][Uu][Bb]_)[A-Za-z_][A-Za-z0-9_]*$/;

/** GitHub's error body: `message`, `documentation_url` and the status as a string. */
export function errorResponse(status: number, message: string, headers?: Record<string, string>): FakeGitHubResponse {
  return {
    status,
    body: { message, documentation_url: "https://docs.github.com/rest", status: String(status) },
    ...(headers ? { headers } : {}),
  };
}

/** The answer to an injected fault, shaped like GitHub's (rate limit messages and headers). */
export function faultResponse(decision: Exclude<FaultDecision, { kind: "none" | "hang" }>): FakeGitHubResponse {
  const now = Math.floor(Date.now() / 1000);
  switch (decision.kind) {
    case "fail":
      return errorResponse(
        decision.status,
        decision.status >= 500 ? "Server Error" : `injected fault (${decision.status})`,
      );
    case "secondary_rate_limit":
      return errorResponse(
        decision.status,
        "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
        {
          "retry-after": String(decision.retryAfterSeconds),
          ...quotaHeaders(4999, now + 3600),
        },
      );
    case "quota_exhausted":
      return errorResponse(
        decision.status,
        "API rate limit exceeded for user ID 1. If you reach out to GitHub Support for help, please include the request ID.",
        quotaHeaders(0, now + decision.resetInSeconds),
      );
  }
}

/** The `x-ratelimit-*` headers GitHub puts on every response. */
export function quotaHeaders(remaining: number, resetEpochSeconds: number): Record<string, string> {
  return {
    "x-ratelimit-limit": "5000",
    "x-ratelimit-remaining": String(remaining),
    "x-ratelimit-used": String(5000 - remaining),
    "x-ratelimit-reset": String(resetEpochSeconds),
    "x-ratelimit-resource": "core",
  };
}

type Route = { readonly scope: FakeSecretScope; readonly repositoryKey?: string; readonly rest: readonly string[] };

/** Answers one request the way GitHub does: token first, then the route, then the scope, then the operation. */
export function handleGitHubRequest(request: FakeGitHubRequest, context: RouteContext): FakeGitHubResponse {
  const presented = request.headers.authorization?.match(/^(?:bearer|token)\s+(\S+)$/i)?.[1];
  if (presented === undefined) return errorResponse(401, "Requires authentication");
  const token = context.tokens.get(presented);
  if (!token) return errorResponse(401, "Bad credentials");
  let segments: string[];
  try {
    segments = request.pathname.split("/").slice(1).map(decodeURIComponent);
  } catch {
    return errorResponse(400, "Problems parsing request path");
  }
  if (segments.length === 1 && segments[0] === "user" && request.method === "GET") {
    if (token.kind === "installation") return errorResponse(403, "Resource not accessible by integration");
    return { status: 200, body: { login: token.login ?? "octocat", id: 1, type: "User", site_admin: false } };
  }
  const route = parseRoute(segments);
  if (!route) return errorResponse(404, "Not Found");
  const movedTo = route.repositoryKey === undefined ? undefined : context.moved.get(route.repositoryKey);
  if (movedTo !== undefined) {
    const tail = request.pathname.split("/").slice(4).join("/");
    const location = `${request.origin}/repositories/${movedTo}/${tail}`;
    return {
      status: request.method === "GET" ? 301 : 307,
      body: { message: "Moved Permanently", url: location, documentation_url: "https://docs.github.com/rest" },
      headers: { location },
    };
  }
  const state = context.store.scope(route.scope);
  if (!state) return errorResponse(404, "Not Found");
  const tagged = (response: FakeGitHubResponse): FakeGitHubResponse => ({ ...response, scope: state.label });
  const writing = request.method === "PUT" || request.method === "DELETE";
  if (writing && token.access === "read")
    return tagged(errorResponse(403, "Resource not accessible by personal access token"));
  return tagged(secrets(request, context, route, state));
}

function parseRoute(s: readonly string[]): Route | undefined {
  if (s[0] === "repos" && s.length >= 5 && s[1] && s[2]) {
    const repository = `${s[1]}/${s[2]}`;
    const repositoryKey = repository.toLowerCase();
    if (s[3] === "actions" && s[4] === "secrets") return { scope: { repository }, repositoryKey, rest: s.slice(5) };
    if (s[3] === "environments" && s[4] && s[5] === "secrets")
      return { scope: { repository, environment: s[4] }, repositoryKey, rest: s.slice(6) };
    return undefined;
  }
  if (s[0] === "orgs" && s[1] && s[2] === "actions" && s[3] === "secrets")
    return { scope: { organization: s[1] }, rest: s.slice(4) };
  return undefined;
}

function secrets(
  request: FakeGitHubRequest,
  context: RouteContext,
  route: Route,
  state: FakeScopeState,
): FakeGitHubResponse {
  const [name, sub, ...extra] = route.rest;
  const isOrganization = "organization" in route.scope;
  if (name === undefined)
    return request.method === "GET" ? list(request, state, isOrganization) : errorResponse(404, "Not Found");
  if (name === "public-key" && sub === undefined && request.method === "GET") {
    return { status: 200, body: { key_id: state.keyId, key: Buffer.from(state.publicKey).toString("base64") } };
  }
  if (sub === "repositories" && extra.length === 0 && isOrganization && request.method === "GET")
    return selectedRepositories(context, state, name);
  if (sub !== undefined) return errorResponse(404, "Not Found");
  const existing = state.secrets.get(name.toUpperCase());
  switch (request.method) {
    case "GET":
      return existing
        ? { status: 200, body: secretBody(existing, request, isOrganization) }
        : errorResponse(404, "Not Found");
    case "DELETE":
      if (!existing) return errorResponse(404, "Not Found");
      state.secrets.delete(existing.name);
      return { status: 204 };
    case "PUT":
      return put(request, context, route, state, name);
    default:
      return errorResponse(404, "Not Found");
  }
}

function list(request: FakeGitHubRequest, state: FakeScopeState, isOrganization: boolean): FakeGitHubResponse {
  const perPage = clamp(Number(request.query.get("per_page") ?? 30), 1, 100, 30);
  const all = [...state.secrets.values()].sort((a, b) => a.name.localeCompare(b.name));
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const page = clamp(Number(request.query.get("page") ?? 1), 1, Number.MAX_SAFE_INTEGER, 1);
  const secrets = all.slice((page - 1) * perPage, page * perPage).map((s) => secretBody(s, request, isOrganization));
  const link = (p: number, rel: string) =>
    `<${request.origin}${request.pathname}?per_page=${perPage}&page=${p}>; rel="${rel}"`;
  const links = [
    ...(page > 1 ? [link(Math.min(page - 1, lastPage), "prev")] : []),
    ...(page < lastPage ? [link(page + 1, "next"), link(lastPage, "last")] : []),
    ...(page > 1 ? [link(1, "first")] : []),
  ];
  return {
    status: 200,
    body: { total_count: all.length, secrets },
    ...(links.length > 0 ? { headers: { link: links.join(", ") } } : {}),
  };
}

function put(
  request: FakeGitHubRequest,
  context: RouteContext,
  route: Route,
  state: FakeScopeState,
  name: string,
): FakeGitHubResponse {
  if (!SECRET_NAME.test(name))
    return errorResponse(
      422,
      "Secret names can only contain alphanumeric characters or underscores, must not start with a number, and must not start with GITHUB_.",
    );
  let input: { encrypted_value?: unknown; key_id?: unknown; visibility?: unknown; selected_repository_ids?: unknown };
  try {
    input = JSON.parse(request.body || "{}");
  } catch {
    return errorResponse(400, "Problems parsing JSON");
  }
  if (typeof input.encrypted_value !== "string" || typeof input.key_id !== "string")
    return errorResponse(422, "Invalid request.\n\nencrypted_value and key_id are required.");
  if (input.key_id !== state.keyId)
    return errorResponse(422, "Invalid request.\n\nkey_id does not match the current public key.");
  const value = context.store.open(state, input.encrypted_value);
  if (value === undefined)
    return errorResponse(422, "Invalid request.\n\nencrypted_value could not be decrypted with the public key.");
  if (Buffer.byteLength(value, "utf8") > FAKE_LIMITS.valueBytes)
    return errorResponse(422, "Invalid request.\n\nSecret value is larger than 48 KB.");
  const scopeKind =
    "organization" in route.scope
      ? "organization"
      : route.scope.environment !== undefined
        ? "environment"
        : "repository";
  if (!state.secrets.has(name.toUpperCase()) && state.secrets.size >= FAKE_LIMITS[scopeKind]) {
    return errorResponse(
      422,
      `Invalid request.\n\nThis ${scopeKind} already has the maximum of ${FAKE_LIMITS[scopeKind]} secrets.`,
    );
  }
  let org: { visibility: FakeVisibility; selectedRepositoryIds: number[] } | undefined;
  if ("organization" in route.scope) {
    const organization = route.scope.organization;
    const visibility = input.visibility;
    if (visibility !== "all" && visibility !== "private" && visibility !== "selected")
      return errorResponse(422, "Invalid request.\n\nvisibility must be one of all, private, selected.");
    const ids = input.selected_repository_ids ?? [];
    if (!Array.isArray(ids) || !ids.every((id) => Number.isInteger(id)))
      return errorResponse(422, "Invalid request.\n\nselected_repository_ids must be an array of integers.");
    if (ids.length > 0 && visibility !== "selected")
      return errorResponse(
        422,
        "Invalid request.\n\nselected_repository_ids can only be set when visibility is selected.",
      );
    if (ids.some((id) => context.store.repositoryById(id)?.owner.toLowerCase() !== organization.toLowerCase()))
      return errorResponse(
        422,
        "Invalid request.\n\nselected_repository_ids contains a repository outside the organization.",
      );
    org = { visibility, selectedRepositoryIds: ids as number[] };
  }
  const created = context.store.put(state, name, value, org);
  return created ? { status: 201, body: {} } : { status: 204 };
}

function selectedRepositories(context: RouteContext, state: FakeScopeState, name: string): FakeGitHubResponse {
  const secret = state.secrets.get(name.toUpperCase());
  if (!secret) return errorResponse(404, "Not Found");
  if (secret.visibility !== "selected") return errorResponse(409, "The visibility of this secret is not 'selected'.");
  const repositories = (secret.selectedRepositoryIds ?? [])
    .map((id) => context.store.repositoryById(id))
    .filter((r) => r !== undefined);
  return {
    status: 200,
    body: {
      total_count: repositories.length,
      repositories: repositories.map((r) => ({ id: r.id, name: r.name, full_name: `${r.owner}/${r.name}` })),
    },
  };
}

function secretBody(secret: FakeSecret, request: FakeGitHubRequest, isOrganization: boolean): Record<string, unknown> {
  const base = { name: secret.name, created_at: secret.createdAt, updated_at: secret.updatedAt };
  if (!isOrganization) return base;
  const listPath = request.pathname.replace(/\/secrets(\/.*)?$/, "/secrets");
  return {
    ...base,
    visibility: secret.visibility ?? "private",
    ...(secret.visibility === "selected"
      ? { selected_repositories_url: `${request.origin}${listPath}/${secret.name}/repositories` }
      : {}),
  };
}

function clamp(value: number, min: number, max: number, fallback: number): number {
  return Number.isInteger(value) ? Math.min(max, Math.max(min, value)) : fallback;
}
