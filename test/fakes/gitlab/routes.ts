import type { FaultDecision } from "./faults.ts";
import {
  keyPattern,
  maskable,
  type FakeGitLabLimits,
  type FakeNamespace,
  type FakeVariable,
  type FakeVariableStore,
} from "./variable-store.ts";

/** A request as the routes see it. */
export interface FakeGitLabRequest {
  readonly method: string;
  /** Raw (percent-encoded) path, e.g. `/api/v4/projects/acme%2Fapi/variables`. */
  readonly pathname: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
  /** `http://host:port` the client used, for `Link` headers. */
  readonly origin: string;
}

/** A response to send; `body` is JSON-encoded unless a string or undefined (204). */
export interface FakeGitLabResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A token the fake accepts, with the role its user has on every project and group. */
export interface FakeGitLabToken {
  readonly token: string;
  /** Maintainer may manage project variables; Owner also group variables; Developer neither. Default owner. */
  readonly role?: "developer" | "maintainer" | "owner";
  /** What `personal_access_tokens/self` reports; default personal. */
  readonly kind?: "personal" | "project" | "group";
}

/** A variable change applied through the API (for the write log). */
export interface FakeGitLabWrite {
  readonly namespace: FakeNamespace;
  readonly variable: FakeVariable;
}

/** What the routes read and report to. */
export interface RouteContext {
  readonly store: FakeVariableStore;
  readonly tokens: ReadonlyMap<string, FakeGitLabToken>;
  readonly limits: FakeGitLabLimits;
  readonly onWrite: (write: FakeGitLabWrite) => void;
}

const message = (status: number, text: unknown): FakeGitLabResponse => ({ status, body: { message: text } });
const faultTexts: Record<number, string> = {
  500: "500 Internal Server Error",
  502: "502 Bad Gateway",
  503: "503 Service Unavailable",
};

/** The answer to an injected fault: GitLab's error body, or its rate limiter's 429 (plain text, `RateLimit-*`). */
export function faultResponse(decision: Exclude<FaultDecision, { kind: "none" | "hang" }>): FakeGitLabResponse {
  if (decision.kind === "fail") return message(decision.status, faultTexts[decision.status] ?? `${decision.status}`);
  const reset = Math.floor(Date.now() / 1000) + decision.retryAfterSeconds;
  return {
    status: 429,
    body: "Retry later\n",
    headers: {
      "Content-Type": "text/plain",
      "Retry-After": String(decision.retryAfterSeconds),
      "RateLimit-Name": "throttle_authenticated_api",
      "RateLimit-Limit": "2000",
      "RateLimit-Observed": "2001",
      "RateLimit-Remaining": "0",
      "RateLimit-Reset": String(reset),
      "RateLimit-ResetTime": new Date(reset * 1000).toUTCString(),
    },
  };
}

/** Answers one request the way GitLab's REST API v4 does: token, then route, then role, then the handler. */
export function handleGitLabRequest(request: FakeGitLabRequest, context: RouteContext): FakeGitLabResponse {
  const segments = request.pathname.split("/").slice(1);
  if (segments[0] !== "api" || segments[1] !== "v4") return { status: 404, body: { error: "404 Not Found" } };
  const token = tokenOf(request, context);
  if (!token) return message(401, "401 Unauthorized");
  const route = segments.slice(2);
  if (request.method === "GET" && route.join("/") === "personal_access_tokens/self") {
    return {
      status: 200,
      body: {
        id: 1,
        name: `${token.kind ?? "personal"} token`,
        revoked: false,
        active: true,
        scopes: ["api"],
        user_id: 2,
        expires_at: null,
      },
    };
  }
  if (request.method === "GET" && route.join("/") === "user")
    return { status: 200, body: { id: 2, username: "syncline-bot" } };
  const [collection, rawId, variables, rawKey, ...rest] = route;
  if ((collection !== "projects" && collection !== "groups") || variables !== "variables" || rest.length > 0 || !rawId)
    return { status: 404, body: { error: "404 Not Found" } };
  const kind = collection === "projects" ? "project" : "group";
  let id: string;
  let key: string | undefined;
  try {
    id = decodeURIComponent(rawId);
    key = rawKey === undefined ? undefined : decodeURIComponent(rawKey);
  } catch {
    return message(400, "400 Bad request");
  }
  const namespace = context.store.find(kind, id);
  if (!namespace) return message(404, `404 ${kind === "project" ? "Project" : "Group"} Not Found`);
  const role = token.role ?? "owner";
  if (role === "developer" || (kind === "group" && role !== "owner")) return message(403, "403 Forbidden");
  const body = parseBody(request);
  if (key === undefined) {
    if (request.method === "GET") return list(namespace, request);
    if (request.method === "POST") return createVariable(namespace, body, context);
    return { status: 405, body: { error: "405 Method Not Allowed" } };
  }
  const scopeFilter = request.query.get("filter[environment_scope]") ?? undefined;
  const matches = namespace.variables.filter(
    (v) => v.key === key && (scopeFilter === undefined || v.environmentScope === scopeFilter),
  );
  if (matches.length === 0) return message(404, "404 Variable Not Found");
  if (matches.length > 1) {
    return message(
      409,
      "There are multiple variables with provided parameters. Please use 'filter[environment_scope]'",
    );
  }
  const variable = matches[0]!;
  switch (request.method) {
    case "GET":
      return { status: 200, body: view(variable) };
    case "PUT":
      return updateVariable(namespace, variable, body, context);
    case "DELETE":
      namespace.variables.splice(namespace.variables.indexOf(variable), 1);
      return { status: 204 };
    default:
      return { status: 405, body: { error: "405 Method Not Allowed" } };
  }
}

function tokenOf(request: FakeGitLabRequest, context: RouteContext): FakeGitLabToken | undefined {
  const privateToken = request.headers["private-token"];
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? "")?.[1];
  const given = privateToken ?? bearer;
  return given === undefined ? undefined : context.tokens.get(given);
}

/** GitLab's offset pagination: `page`, `per_page` (default 20, at most 100), `X-*` headers and `Link`. */
function list(namespace: FakeNamespace, request: FakeGitLabRequest): FakeGitLabResponse {
  const perPage = Math.min(100, Math.max(1, Number(request.query.get("per_page") ?? 20) || 20));
  const page = Math.max(1, Number(request.query.get("page") ?? 1) || 1);
  const total = namespace.variables.length;
  const totalPages = Math.max(1, Math.ceil(total / perPage));
  const items = namespace.variables.slice((page - 1) * perPage, page * perPage).map(view);
  const link = (p: number) => {
    const query = new URLSearchParams(request.query);
    query.set("page", String(p));
    query.set("per_page", String(perPage));
    return `<${request.origin}${request.pathname}?${query}>`;
  };
  const links = [
    ...(page > 1 ? [`${link(page - 1)}; rel="prev"`] : []),
    ...(page < totalPages ? [`${link(page + 1)}; rel="next"`] : []),
    `${link(1)}; rel="first"`,
    `${link(totalPages)}; rel="last"`,
  ];
  return {
    status: 200,
    body: items,
    headers: {
      "X-Page": String(page),
      "X-Per-Page": String(perPage),
      "X-Total": String(total),
      "X-Total-Pages": String(totalPages),
      "X-Next-Page": page < totalPages ? String(page + 1) : "",
      "X-Prev-Page": page > 1 ? String(page - 1) : "",
      Link: links.join(", "),
    },
  };
}

/** A variable as GitLab's API shows it: hidden values are never returned. */
function view(v: FakeVariable): Record<string, unknown> {
  return {
    variable_type: v.variableType,
    key: v.key,
    value: v.hidden ? null : v.value,
    protected: v.protected,
    masked: v.masked,
    hidden: v.hidden,
    raw: v.raw,
    environment_scope: v.environmentScope,
    description: v.description === "" ? null : v.description,
  };
}

function createVariable(
  namespace: FakeNamespace,
  body: Record<string, unknown>,
  context: RouteContext,
): FakeGitLabResponse {
  if (typeof body.key !== "string" || body.key === "") return { status: 400, body: { error: "key is missing" } };
  if (typeof body.value !== "string") return { status: 400, body: { error: "value is missing" } };
  const hidden = flag(body.masked_and_hidden);
  const variable: FakeVariable = {
    key: body.key,
    value: body.value,
    environmentScope: typeof body.environment_scope === "string" ? body.environment_scope : "*",
    description: typeof body.description === "string" ? body.description : "",
    protected: flag(body.protected),
    masked: hidden || flag(body.masked),
    hidden,
    raw: flag(body.raw),
    variableType: body.variable_type === "file" ? "file" : "env_var",
  };
  const problems = validate(variable, context.limits);
  if (namespace.variables.some((v) => v.key === variable.key && v.environmentScope === variable.environmentScope))
    problems.key = [...(problems.key ?? []), `(${variable.key}) has already been taken`];
  if (Object.keys(problems).length > 0) return message(400, problems);
  const limit = namespace.kind === "project" ? context.limits.projectVariables : context.limits.groupVariables;
  if (namespace.variables.length >= limit)
    return message(400, { base: [`Maximum number of ${namespace.kind} ci variables (${limit}) exceeded`] });
  namespace.variables.push(variable);
  context.onWrite({ namespace, variable });
  return { status: 201, body: view(variable) };
}

function updateVariable(
  namespace: FakeNamespace,
  current: FakeVariable,
  body: Record<string, unknown>,
  context: RouteContext,
): FakeGitLabResponse {
  const next: FakeVariable = {
    ...current,
    ...(typeof body.value === "string" ? { value: body.value } : {}),
    ...(typeof body.environment_scope === "string" ? { environmentScope: body.environment_scope } : {}),
    ...(typeof body.description === "string" ? { description: body.description } : {}),
    ...(body.protected !== undefined ? { protected: flag(body.protected) } : {}),
    ...(body.masked !== undefined ? { masked: flag(body.masked) } : {}),
    ...(body.raw !== undefined ? { raw: flag(body.raw) } : {}),
    ...(body.variable_type === "file" || body.variable_type === "env_var" ? { variableType: body.variable_type } : {}),
  };
  const problems = validate(next, context.limits);
  if (current.hidden && !next.masked) problems.masked = ["cannot be disabled for a hidden variable"];
  if (
    next.environmentScope !== current.environmentScope &&
    namespace.variables.some((v) => v !== current && v.key === next.key && v.environmentScope === next.environmentScope)
  )
    problems.key = [`(${next.key}) has already been taken`];
  if (Object.keys(problems).length > 0) return message(400, problems);
  Object.assign(current, next);
  context.onWrite({ namespace, variable: current });
  return { status: 200, body: view(current) };
}

/** GitLab's model validations of one variable, as its `{"message": {field: [...]}}` body. */
function validate(v: FakeVariable, limits: FakeGitLabLimits): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  if (!keyPattern.test(v.key))
    problems.key =
      v.key.length > 255 ? ["is too long (maximum is 255 characters)"] : ["can contain only letters, digits and '_'."];
  if (v.value.length > limits.valueChars) problems.value = [`is too long (maximum is ${limits.valueChars} characters)`];
  else if (v.masked && !maskable(v.value, v.raw)) problems.value = ["is invalid"];
  if (v.environmentScope === "" || v.environmentScope.length > 255) problems.environment_scope = ["is invalid"];
  return problems;
}

/** Grape's boolean coercion: JSON booleans, or "true" / "1" in form bodies. */
function flag(value: unknown): boolean {
  return value === true || value === "true" || value === "1";
}

/** JSON or form-encoded body, as Grape accepts both. */
function parseBody(request: FakeGitLabRequest): Record<string, unknown> {
  if (request.body === "") return {};
  if ((request.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded"))
    return Object.fromEntries(new URLSearchParams(request.body));
  try {
    const parsed: unknown = JSON.parse(request.body);
    return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)
      ? (parsed as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}
