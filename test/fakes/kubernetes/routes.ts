import type { SecretStore, StoredSecret } from "./secret-store.ts";
import { conflict, failure, forbidden, invalid, notFound, type FakeResponse, type StatusCause } from "./status.ts";

/** What one token may do: RBAC on `secrets`, by verb and namespace (absent: everything). */
export interface FakeTokenGrant {
  /** e.g. `system:serviceaccount:syncline:syncer`. */
  readonly user?: string;
  /** Verbs allowed on secrets (`get`, `list`, `create`, `update`, `patch`, `delete`); absent: all. */
  readonly verbs?: readonly string[];
  /** Namespaces the grant covers; absent: all. */
  readonly namespaces?: readonly string[];
}

/** One request as the fake sees it. */
export interface FakeKubernetesRequest {
  readonly method: string;
  readonly pathname: string;
  readonly query: URLSearchParams;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** A Secret write the fake applied, for the write log. */
export interface FakeSecretWrite {
  readonly namespace: string;
  readonly name: string;
  /** Decoded values written (the whole `data` after the write). */
  readonly data: Readonly<Record<string, string>>;
}

/** What the routes need from the server. */
export interface RouteContext {
  readonly store: SecretStore;
  readonly tokens: ReadonlyMap<string, FakeTokenGrant>;
  /** Consumes one injected conflict for a write. */
  readonly takeConflict: () => boolean;
  readonly onWrite: (write: FakeSecretWrite) => void;
}

/** The API server refuses Secrets whose values exceed this (`MaxSecretSize`). */
export const MAX_SECRET_BYTES = 1024 * 1024;
/** Total size of an object's annotations (`TotalAnnotationSizeLimitB`). */
export const MAX_ANNOTATION_BYTES = 256 * 1024;
/** The API server's request body limit (3 MiB). */
export const MAX_REQUEST_BYTES = 3 * 1024 * 1024;
/** Largest `limit` a list honours in one page. */
const MAX_PAGE = 500;

const configKey = /^[-._a-zA-Z0-9]+$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const secretsPath = /^\/api\/v1\/namespaces\/([^/]+)\/secrets(?:\/([^/]+))?$/;

const ANONYMOUS = "system:anonymous";

/** Answers one request like kube-apiserver does for the endpoints Syncline uses. */
export function handleKubernetesRequest(request: FakeKubernetesRequest, context: RouteContext): FakeResponse {
  const user = authenticate(request, context);
  if (user === undefined) return failure(401, "Unauthorized", "Unauthorized");
  const { pathname, method } = request;
  if (pathname === "/version" && method === "GET") return { status: 200, body: versionInfo };
  if (pathname === "/api" && method === "GET") return { status: 200, body: apiVersions };
  if (pathname === "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") {
    if (method !== "POST") return methodNotAllowed();
    if (user.name === ANONYMOUS) return forbiddenReview();
    return accessReview(request, user.grant);
  }
  const match = secretsPath.exec(pathname);
  if (!match) return failure(404, "NotFound", "the server could not find the requested resource");
  const namespace = decodeURIComponent(match[1] ?? "");
  const name = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
  const verb = verbOf(method, name);
  if (!verb) return methodNotAllowed();
  if (!allows(user.grant, verb, namespace)) return forbidden(user.name, verb, namespace, name);
  if (name === undefined)
    return verb === "list" ? listSecrets(request, namespace, context) : createSecret(request, namespace, context);
  switch (verb) {
    case "get": {
      const secret = context.store.get(namespace, name);
      return secret ? { status: 200, body: secret } : notFound("secrets", name);
    }
    case "update":
      return replaceSecret(request, namespace, name, context);
    case "patch":
      return patchSecret(request, namespace, name, context);
    default:
      return deleteSecret(request, namespace, name, context);
  }
}

interface User {
  readonly name: string;
  readonly grant: FakeTokenGrant | undefined;
}

/** A bearer token must be known (401 otherwise); no Authorization header is the anonymous user. */
function authenticate(request: FakeKubernetesRequest, context: RouteContext): User | undefined {
  const header = request.headers.authorization;
  if (header === undefined) return { name: ANONYMOUS, grant: { verbs: [] } };
  const token = /^Bearer (\S+)$/.exec(header)?.[1];
  const grant = token === undefined ? undefined : context.tokens.get(token);
  if (!grant) return undefined;
  return { name: grant.user ?? "system:serviceaccount:syncline:syncer", grant };
}

function allows(grant: FakeTokenGrant | undefined, verb: string, namespace: string): boolean {
  if (!grant) return false;
  return (
    (grant.verbs ?? ["get", "list", "create", "update", "patch", "delete"]).includes(verb) &&
    (grant.namespaces === undefined || grant.namespaces.includes(namespace))
  );
}

function verbOf(method: string, name: string | undefined): string | undefined {
  if (name === undefined) return method === "GET" ? "list" : method === "POST" ? "create" : undefined;
  return ({ GET: "get", PUT: "update", PATCH: "patch", DELETE: "delete" } as Record<string, string>)[method];
}

function accessReview(request: FakeKubernetesRequest, grant: FakeTokenGrant | undefined): FakeResponse {
  const review = parseObject(request.body);
  const attributes = (review?.spec as { resourceAttributes?: Record<string, string> } | undefined)?.resourceAttributes;
  if (!review || !attributes) {
    return invalidReview(
      "spec.resourceAttributes: Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified",
    );
  }
  const allowed =
    attributes.resource === "secrets" &&
    (attributes.group ?? "") === "" &&
    allows(grant, attributes.verb ?? "", attributes.namespace ?? "");
  return {
    status: 201,
    body: {
      kind: "SelfSubjectAccessReview",
      apiVersion: "authorization.k8s.io/v1",
      metadata: { creationTimestamp: null },
      spec: review.spec,
      status: allowed ? { allowed: true, reason: 'RBAC: allowed by RoleBinding "syncer"' } : { allowed: false },
    },
  };
}

function invalidReview(message: string): FakeResponse {
  return failure(422, "Invalid", `SelfSubjectAccessReview.authorization.k8s.io "" is invalid: ${message}`);
}

function forbiddenReview(): FakeResponse {
  return failure(
    403,
    "Forbidden",
    `selfsubjectaccessreviews.authorization.k8s.io is forbidden: User "${ANONYMOUS}" cannot create resource "selfsubjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope`,
  );
}

function listSecrets(request: FakeKubernetesRequest, namespace: string, context: RouteContext): FakeResponse {
  const selector = parseSelector(request.query.get("labelSelector") ?? "");
  if (!selector) return failure(400, "BadRequest", "unable to parse requirement: invalid label selector");
  const all = context.store.list(namespace).filter((s) => selector.every(([k, v]) => s.metadata.labels?.[k] === v));
  const limit = Math.min(Number(request.query.get("limit") ?? "0") || Number.POSITIVE_INFINITY, MAX_PAGE);
  const after = request.query.get("continue");
  let start = 0;
  if (after) {
    const last = Buffer.from(after, "base64url").toString("utf8");
    if (!last) return failure(400, "BadRequest", "continue key is not valid: illegal base64");
    start = all.findIndex((s) => s.metadata.name > last);
    if (start === -1) start = all.length;
  }
  const items = all.slice(start, start + limit);
  const rest = all.length - start - items.length;
  const lastName = items.at(-1)?.metadata.name;
  return {
    status: 200,
    body: {
      kind: "SecretList",
      apiVersion: "v1",
      metadata: {
        resourceVersion: context.store.resourceVersion,
        ...(rest > 0 && lastName
          ? { continue: Buffer.from(lastName).toString("base64url"), remainingItemCount: rest }
          : {}),
      },
      items: items.map(({ kind: _k, apiVersion: _a, ...item }) => item),
    },
  };
}

function createSecret(request: FakeKubernetesRequest, namespace: string, context: RouteContext): FakeResponse {
  if (!context.store.namespaces.has(namespace)) return notFound("namespaces", namespace);
  const parsed = decodeSecret(request.body, namespace);
  if ("status" in parsed) return parsed;
  const name = parsed.metadata.name ?? "";
  if (name === "")
    return invalid("", [
      {
        reason: "FieldValueRequired",
        field: "metadata.name",
        message: "Required value: name or generateName is required",
      },
    ]);
  const problems = validate(parsed, name);
  if (problems) return problems;
  if (context.store.get(namespace, name))
    return failure(409, "AlreadyExists", `secrets "${name}" already exists`, { name, kind: "secrets" });
  return store(context, 201, parsed, name, namespace);
}

function replaceSecret(
  request: FakeKubernetesRequest,
  namespace: string,
  name: string,
  context: RouteContext,
): FakeResponse {
  const parsed = decodeSecret(request.body, namespace);
  if ("status" in parsed) return parsed;
  if (parsed.metadata.name !== undefined && parsed.metadata.name !== name)
    return failure(
      400,
      "BadRequest",
      `the name of the object (${parsed.metadata.name}) does not match the name on the URL (${name})`,
    );
  return update(context, namespace, name, parsed, parsed.metadata.resourceVersion);
}

function patchSecret(
  request: FakeKubernetesRequest,
  namespace: string,
  name: string,
  context: RouteContext,
): FakeResponse {
  const type = (request.headers["content-type"] ?? "").split(";")[0]?.trim();
  if (type !== "application/merge-patch+json" && type !== "application/strategic-merge-patch+json") {
    return failure(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json (the fake does not speak ${type})`,
    );
  }
  const current = context.store.get(namespace, name);
  if (!current) return notFound("secrets", name);
  const patch = parseObject(request.body);
  if (!patch) return failure(400, "BadRequest", "error decoding patch: invalid JSON");
  const merged = mergePatch(current, patch) as Record<string, unknown>;
  const parsed = decodeSecret(JSON.stringify(merged), namespace);
  if ("status" in parsed) return parsed;
  const precondition = (patch.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
  return update(context, namespace, name, parsed, precondition);
}

function update(
  context: RouteContext,
  namespace: string,
  name: string,
  parsed: DecodedSecret,
  resourceVersion: string | undefined,
): FakeResponse {
  const current = context.store.get(namespace, name);
  if (!current) return notFound("secrets", name);
  if (context.takeConflict()) {
    context.store.touch(namespace, name);
    return conflict(name);
  }
  if (resourceVersion && resourceVersion !== current.metadata.resourceVersion) return conflict(name);
  const problems = validate(parsed, name);
  if (problems) return problems;
  if (current.immutable && JSON.stringify(current.data ?? {}) !== JSON.stringify(parsed.data)) {
    return invalid(name, [
      {
        reason: "FieldValueForbidden",
        field: "data",
        message: "Forbidden: field is immutable when `immutable` is set",
      },
    ]);
  }
  return store(context, 200, parsed, name, namespace);
}

function deleteSecret(
  request: FakeKubernetesRequest,
  namespace: string,
  name: string,
  context: RouteContext,
): FakeResponse {
  const current = context.store.get(namespace, name);
  if (!current) return notFound("secrets", name);
  const options = request.body.trim() === "" ? {} : parseObject(request.body);
  if (!options) return failure(400, "BadRequest", "the body of the request was in an unknown format");
  const preconditions = (options.preconditions ?? {}) as { resourceVersion?: string; uid?: string };
  if (context.takeConflict()) {
    context.store.touch(namespace, name);
    return conflict(name);
  }
  if (preconditions.resourceVersion && preconditions.resourceVersion !== current.metadata.resourceVersion) {
    return failure(
      409,
      "Conflict",
      `Operation cannot be fulfilled on secrets "${name}": Precondition failed: ResourceVersion in precondition: ${preconditions.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`,
      { name, kind: "secrets" },
    );
  }
  if (preconditions.uid && preconditions.uid !== current.metadata.uid) {
    return failure(
      409,
      "Conflict",
      `Operation cannot be fulfilled on secrets "${name}": Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.metadata.uid}`,
    );
  }
  context.store.delete(namespace, name);
  return {
    status: 200,
    body: {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: { name, kind: "secrets", uid: current.metadata.uid },
    },
  };
}

interface DecodedSecret {
  metadata: {
    name?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  type: string;
  immutable?: boolean;
  /** base64 values, as stored. */
  data: Record<string, string>;
}

/** Reads a Secret body: JSON, kind and namespace checks, strict base64, `stringData` merged into `data`. */
function decodeSecret(body: string, namespace: string): DecodedSecret | FakeResponse {
  const object = parseObject(body);
  if (!object)
    return failure(
      400,
      "BadRequest",
      "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
    );
  if (
    (object.kind !== undefined && object.kind !== "Secret") ||
    (object.apiVersion !== undefined && object.apiVersion !== "v1")
  )
    return failure(
      400,
      "BadRequest",
      `the API version in the data (${String(object.apiVersion)}) does not match the expected API version (v1)`,
    );
  const metadata = (object.metadata ?? {}) as DecodedSecret["metadata"] & { namespace?: string };
  if (metadata.namespace && metadata.namespace !== namespace)
    return failure(
      400,
      "BadRequest",
      "the namespace of the provided object does not match the namespace sent on the request",
    );
  const data: Record<string, string> = {};
  for (const [key, value] of Object.entries((object.data ?? {}) as Record<string, unknown>)) {
    if (typeof value !== "string" || !/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0)
      return failure(
        400,
        "BadRequest",
        `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte 0`,
      );
    data[key] = value;
  }
  for (const [key, value] of Object.entries((object.stringData ?? {}) as Record<string, unknown>))
    data[key] = Buffer.from(String(value), "utf8").toString("base64");
  return {
    metadata: {
      ...(metadata.name !== undefined ? { name: metadata.name } : {}),
      ...(metadata.resourceVersion ? { resourceVersion: metadata.resourceVersion } : {}),
      ...(metadata.labels ? { labels: metadata.labels } : {}),
      ...(metadata.annotations ? { annotations: metadata.annotations } : {}),
    },
    type: typeof object.type === "string" && object.type !== "" ? object.type : "Opaque",
    ...(object.immutable === true ? { immutable: true } : {}),
    data,
  };
}

/** Field validation as `ValidateSecret` does it: name, keys, total size, annotation size. */
function validate(secret: DecodedSecret, name: string): FakeResponse | undefined {
  const causes: StatusCause[] = [];
  if (name.length > 253 || !dnsSubdomain.test(name))
    causes.push({
      reason: "FieldValueInvalid",
      field: "metadata.name",
      message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character`,
    });
  let total = 0;
  for (const [key, value] of Object.entries(secret.data)) {
    if (!configKey.test(key) || key.length > 253 || key === "." || key === "..")
      causes.push({
        reason: "FieldValueInvalid",
        field: `data[${key}]`,
        message: `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
      });
    total += Buffer.from(value, "base64").length;
  }
  if (total > MAX_SECRET_BYTES)
    causes.push({
      reason: "FieldValueTooLong",
      field: "data",
      message: `Too long: may not be more than ${MAX_SECRET_BYTES} bytes`,
    });
  const annotations = Object.entries(secret.metadata.annotations ?? {}).reduce(
    (n, [k, v]) => n + k.length + v.length,
    0,
  );
  if (annotations > MAX_ANNOTATION_BYTES)
    causes.push({
      reason: "FieldValueTooLong",
      field: "metadata.annotations",
      message: `Too long: must have at most ${MAX_ANNOTATION_BYTES} bytes`,
    });
  return causes.length > 0 ? invalid(name, causes) : undefined;
}

function store(
  context: RouteContext,
  status: number,
  parsed: DecodedSecret,
  name: string,
  namespace: string,
): FakeResponse {
  const stored: StoredSecret = context.store.put({
    apiVersion: "v1",
    kind: "Secret",
    metadata: {
      name,
      namespace,
      ...(parsed.metadata.labels ? { labels: parsed.metadata.labels } : {}),
      ...(parsed.metadata.annotations ? { annotations: parsed.metadata.annotations } : {}),
    },
    type: parsed.type,
    ...(parsed.immutable ? { immutable: true } : {}),
    data: parsed.data,
  });
  const decoded = Object.fromEntries(
    Object.entries(parsed.data).map(([k, v]) => [k, Buffer.from(v, "base64").toString("utf8")]),
  );
  context.onWrite({ namespace, name, data: decoded });
  return { status, body: stored };
}

/** RFC 7386 JSON merge patch. */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const result: Record<string, unknown> =
    target !== null && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
}

function parseSelector(text: string): [string, string][] | undefined {
  if (text.trim() === "") return [];
  const pairs: [string, string][] = [];
  for (const part of text.split(",")) {
    const match = /^\s*([^=!\s]+)\s*==?\s*([^=\s]*)\s*$/.exec(part);
    if (!match) return undefined;
    pairs.push([match[1] ?? "", match[2] ?? ""]);
  }
  return pairs;
}

function methodNotAllowed(): FakeResponse {
  return failure(405, "MethodNotAllowed", "the server does not allow this method on the requested resource");
}

function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const versionInfo = {
  major: "1",
  minor: "31",
  gitVersion: "v1.31.4",
  gitCommit: "a78aa47129b8539636eb86a9d00e31b2720fe06b",
  gitTreeState: "clean",
  buildDate: "2024-12-10T18:05:13Z",
  goVersion: "go1.22.9",
  compiler: "gc",
  platform: "linux/amd64",
};

const apiVersions = {
  kind: "APIVersions",
  versions: ["v1"],
  serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1:6443" }],
};
