import { randomUUID } from "node:crypto";
import type { FakeAppRoleAuth, FakeIssuedToken } from "./approle.ts";
import type { FaultDecision } from "./faults.ts";
import type { FakeKvSecret, FakeKvStore, FakeKvVersion } from "./kv-store.ts";

/** A request as the routes see it; `method` may be Vault's `LIST`. */
export interface FakeVaultRequest {
  readonly method: string;
  /** Raw (percent-encoded) path, e.g. `/v1/secret/data/apps/api`. */
  readonly pathname: string;
  readonly query: URLSearchParams;
  /** Lower-case header names. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** A response to send; `body` is JSON-encoded unless undefined (204). */
export interface FakeVaultResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** A successful KV v2 data write through the HTTP API. */
export interface FakeVaultWrite {
  readonly namespace: string;
  readonly mount: string;
  readonly path: string;
  readonly version: number;
}

/** What the routes read and report to. */
export interface RouteContext {
  readonly store: FakeKvStore;
  /** Root tokens (every path, every namespace). */
  readonly tokens: ReadonlySet<string>;
  /** AppRole login paths and the tokens they issued. */
  readonly appRoles: FakeAppRoleAuth;
  readonly namespaces: ReadonlySet<string>;
  readonly sealed: boolean;
  readonly onWrite: (write: FakeVaultWrite) => void;
}

const errors = (status: number, ...messages: string[]): FakeVaultResponse => ({ status, body: { errors: messages } });
const faultTexts: Record<number, string> = {
  500: "internal error",
  502: "bad gateway",
  503: "service unavailable",
  504: "gateway timeout",
};

/** The namespace a request addresses: `X-Vault-Namespace` without surrounding slashes ("" = root). */
export function namespaceOf(request: FakeVaultRequest): string {
  return (request.headers["x-vault-namespace"] ?? "").replace(/^\/+|\/+$/g, "");
}

/** The answer to an injected fault, shaped like Vault's (rate limit quota text and headers for 429). */
export function faultResponse(
  decision: Exclude<FaultDecision, { kind: "none" | "hang" }>,
  request: FakeVaultRequest,
): FakeVaultResponse {
  if (decision.kind === "fail")
    return errors(decision.status, faultTexts[decision.status] ?? `injected fault (${decision.status})`);
  const path = request.pathname.replace(/^\/v1\//, "");
  return {
    status: 429,
    body: { errors: [`request path "${path}": rate limit quota exceeded`] },
    headers: {
      "Retry-After": String(decision.retryAfterSeconds),
      "X-Ratelimit-Limit": "1",
      "X-Ratelimit-Remaining": "0",
      "X-Ratelimit-Reset": String(decision.retryAfterSeconds),
    },
  };
}

/**
 * Answers one request the way Vault does: seal check, AppRole logins (unauthenticated paths), then
 * token (a root token, or an AppRole token valid in the request's namespace), then namespace, then
 * route, then the token's policy.
 */
export function handleVaultRequest(request: FakeVaultRequest, context: RouteContext): FakeVaultResponse {
  if (!request.pathname.startsWith("/v1/")) return errors(404);
  let apiPath: string;
  try {
    apiPath = request.pathname.slice(4).split("/").map(decodeURIComponent).join("/");
  } catch {
    return errors(400, "invalid request path");
  }
  if (apiPath === "sys/health") return health(context.sealed);
  if (context.sealed) return errors(503, "Vault is sealed");
  const namespace = namespaceOf(request);
  if ((request.method === "POST" || request.method === "PUT") && context.appRoles.isLoginPath(namespace, apiPath)) {
    return context.appRoles.login(namespace, apiPath, request.body);
  }
  const bearer = request.headers.authorization?.match(/^Bearer\s+(.+)$/i)?.[1];
  const token = request.headers["x-vault-token"] ?? bearer;
  const root = token !== undefined && context.tokens.has(token);
  const issued = token !== undefined && !root ? context.appRoles.token(token, namespace) : undefined;
  if (token === undefined || (!root && !issued)) return errors(403, "permission denied");
  const allows = (policy: string) => root || issued?.policies.includes(policy) === true;
  const noRoute = errors(
    404,
    `no handler for route "${namespace ? `${namespace}/` : ""}${apiPath}". route entry not found.`,
  );
  if (namespace !== "" && !context.namespaces.has(namespace)) return noRoute;
  if (apiPath === "auth/token/lookup-self" && request.method === "GET") {
    return allows("default") ? ok(lookupSelf(token, issued), "token") : errors(403, "permission denied");
  }
  const match = context.store.matchMount(namespace, apiPath);
  if (!match) return noRoute;
  if (!allows("kv-write")) return errors(403, "permission denied");
  return kv(request, context, namespace, match.mount, match.rest);
}

function kv(
  request: FakeVaultRequest,
  context: RouteContext,
  namespace: string,
  mount: string,
  rest: string,
): FakeVaultResponse {
  const { store } = context;
  const [engine = "", ...segments] = rest.split("/");
  const path = segments.join("/");
  const listing = request.method === "LIST" || (request.method === "GET" && request.query.get("list") === "true");
  if (engine === "metadata" && listing) {
    const keys = store.list(namespace, mount, path);
    return keys.length === 0 ? errors(404) : ok({ keys });
  }
  if (path === "" || (engine !== "data" && engine !== "metadata")) return errors(404, "unsupported path");
  const secret = store.secret(namespace, mount, path);
  switch (`${request.method} ${engine}`) {
    case "GET data":
      return readVersion(secret, Number(request.query.get("version") ?? 0));
    case "POST data":
    case "PUT data":
      return write(request.body, context, namespace, mount, path);
    case "DELETE data":
      store.softDeleteLatest(namespace, mount, path);
      return { status: 204 };
    case "GET metadata":
      return secret ? ok(metadataBody(secret)) : errors(404);
    case "DELETE metadata":
      store.deleteMetadata(namespace, mount, path);
      return { status: 204 };
    default:
      return errors(405, "unsupported operation");
  }
}

function readVersion(secret: FakeKvSecret | undefined, requested: number): FakeVaultResponse {
  const wanted = requested > 0 ? requested : (secret?.versions.length ?? 0);
  const version = secret?.versions[wanted - 1];
  if (!version) return errors(404);
  if (version.deletionTime || version.destroyed)
    return { status: 404, body: envelope({ data: null, metadata: versionMetadata(version) }) };
  return ok({ data: version.data, metadata: versionMetadata(version) });
}

function write(body: string, context: RouteContext, namespace: string, mount: string, path: string): FakeVaultResponse {
  let input: { data?: unknown; options?: { cas?: unknown } };
  try {
    input = JSON.parse(body || "{}");
  } catch {
    return errors(400, "failed to parse JSON input: invalid character");
  }
  const data = input?.data;
  if (data === null || typeof data !== "object" || Array.isArray(data)) return errors(400, "no data provided");
  const rawCas = input.options?.cas;
  const cas = rawCas === undefined ? undefined : Number(rawCas);
  if (cas !== undefined && !Number.isInteger(cas)) return errors(400, "invalid cas parameter");
  const result = context.store.write(namespace, mount, path, data as Record<string, unknown>, cas);
  if (!result.ok) return errors(400, "check-and-set parameter did not match the current version");
  context.onWrite({ namespace, mount, path, version: result.version.version });
  return ok(versionMetadata(result.version));
}

function metadataBody(secret: FakeKvSecret): Record<string, unknown> {
  const versions = Object.fromEntries(
    secret.versions.map((v) => [
      String(v.version),
      { created_time: v.createdTime, deletion_time: v.deletionTime, destroyed: v.destroyed },
    ]),
  );
  return {
    cas_required: false,
    created_time: secret.createdTime,
    current_version: secret.versions.length,
    custom_metadata: null,
    delete_version_after: "0s",
    max_versions: 0,
    oldest_version: 0,
    updated_time: secret.updatedTime,
    versions,
  };
}

function versionMetadata(v: FakeKvVersion): Record<string, unknown> {
  return {
    created_time: v.createdTime,
    custom_metadata: null,
    deletion_time: v.deletionTime,
    destroyed: v.destroyed,
    version: v.version,
  };
}

function lookupSelf(token: string, issued: FakeIssuedToken | undefined): Record<string, unknown> {
  if (issued) {
    const ttl = issued.expiresAt === undefined ? 0 : Math.max(0, Math.ceil((issued.expiresAt - Date.now()) / 1000));
    return {
      accessor: "fake-accessor",
      display_name: "approle",
      entity_id: "",
      id: token,
      meta: { role_name: issued.roleName },
      num_uses: 0,
      orphan: true,
      path: "auth/approle/login",
      policies: issued.policies,
      ttl,
      type: "service",
    };
  }
  // Real Vault returns the token itself as `id`; the fake does too so clients are tested against it.
  return {
    accessor: "fake-accessor",
    creation_time: 0,
    creation_ttl: 0,
    display_name: "token",
    entity_id: "",
    expire_time: null,
    explicit_max_ttl: 0,
    id: token,
    meta: null,
    num_uses: 0,
    orphan: true,
    path: "auth/token/create",
    policies: ["root"],
    ttl: 0,
    type: "service",
  };
}

function health(sealed: boolean): FakeVaultResponse {
  return {
    status: sealed ? 503 : 200,
    body: {
      initialized: true,
      sealed,
      standby: false,
      performance_standby: false,
      replication_performance_mode: "disabled",
      replication_dr_mode: "disabled",
      server_time_utc: Math.floor(Date.now() / 1000),
      version: "1.17.0-fake",
      cluster_name: "fake-vault",
      cluster_id: "fake-cluster",
    },
  };
}

function ok(data: unknown, mountType = "kv"): FakeVaultResponse {
  return { status: 200, body: envelope(data, mountType) };
}

function envelope(data: unknown, mountType = "kv"): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: "",
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
    mount_type: mountType,
  };
}
