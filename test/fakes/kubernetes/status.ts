/** A Kubernetes `Status` failure body, as every API error carries. */
export interface KubernetesStatus {
  readonly kind: "Status";
  readonly apiVersion: "v1";
  readonly metadata: Record<string, never>;
  readonly status: "Failure" | "Success";
  readonly message?: string;
  readonly reason?: string;
  readonly details?: Record<string, unknown>;
  readonly code: number;
}

/** One field problem of a 422 Invalid answer. */
export interface StatusCause {
  readonly reason: "FieldValueInvalid" | "FieldValueRequired" | "FieldValueTooLong" | "FieldValueForbidden";
  readonly message: string;
  readonly field: string;
}

/** An answer of the fake: status, JSON body, extra headers. */
export interface FakeResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

/** A failure answer with the `Status` body the API server sends for `code`. */
export function failure(
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): FakeResponse {
  const body: KubernetesStatus = {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
  return { status: code, body };
}

/** 404 NotFound for `resource` `name` (e.g. `secrets "api-env" not found`). */
export const notFound = (resource: string, name: string): FakeResponse =>
  failure(404, "NotFound", `${resource} "${name}" not found`, { name, kind: resource });

/** 409 Conflict: the object changed since the `resourceVersion` sent. */
export const conflict = (name: string): FakeResponse =>
  failure(
    409,
    "Conflict",
    `Operation cannot be fulfilled on secrets "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind: "secrets" },
  );

/** 422 Invalid with one cause per problem, worded like the API server's field errors. */
export function invalid(name: string, causes: readonly StatusCause[]): FakeResponse {
  const text = causes.map((c) => `${c.field}: ${c.message}`);
  const message = `Secret "${name}" is invalid: ${text.length === 1 ? text[0] : `[${text.join(", ")}]`}`;
  return failure(422, "Invalid", message, { name, kind: "Secret", causes });
}

/** 403 Forbidden in RBAC's words. */
export function forbidden(user: string, verb: string, namespace: string, name: string | undefined): FakeResponse {
  const subject = name ? `secrets "${name}" is forbidden` : "secrets is forbidden";
  return failure(
    403,
    "Forbidden",
    `${subject}: User "${user}" cannot ${verb} resource "secrets" in API group "" in the namespace "${namespace}"`,
    { ...(name ? { name } : {}), kind: "secrets" },
  );
}
