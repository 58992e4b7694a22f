import type { DescService } from "@bufbuild/protobuf";
import { permissionDenied, unauthenticated } from "@syncline/errors";
import {
  roleCovers,
  roleIn,
  type IdentityPrincipal,
  type Principal,
  type ProjectRole,
  type ServiceName,
} from "./principal.ts";

/**
 * Who may call one method. Every method of every service declares one (ServiceAccess: a missing
 * method does not compile); the server checks it after authentication and before request
 * validation, so a refused caller learns nothing and nothing is written.
 *
 * A principal may call the method when:
 * - `anonymous` is set (health, reflection) — anyone;
 * - it is the bootstrap token and `bootstrap` is set;
 * - it is a service listed in `services`;
 * - it is an identity and `identity` admits it (see IdentityRule).
 * Anything else: UNAUTHENTICATED for anonymous callers, PERMISSION_DENIED for the rest.
 */
export interface MethodAccess {
  readonly anonymous?: true;
  readonly bootstrap?: true;
  readonly services?: readonly ServiceName[];
  readonly identity?: IdentityRule;
}

/**
 * What an identity needs:
 * - `{ organizationAdmin: true }` — organisation admins only;
 * - `{ anyIdentity: true }` — any identity (the handler filters what it returns, e.g. ListProjects);
 * - `{ role, project }` — at least `role` (a role, or one chosen from the request, e.g. values
 *   requested → developer) in the project the request addresses. `project` finds it: from a field,
 *   or by loading the addressed resource. Organisation admins always pass. When `project` returns
 *   undefined (the resource does not exist) the caller is refused with PERMISSION_DENIED unless it is
 *   an organisation admin (the handler then answers NOT_FOUND), so existence does not leak across
 *   projects.
 */
export type IdentityRule =
  | { readonly organizationAdmin: true }
  | { readonly anyIdentity: true }
  | {
      readonly role: ProjectRole | ((request: never) => ProjectRole);
      readonly project: ProjectOf;
    };

/** Finds the project a request addresses (undefined: no such resource). */
export type ProjectOf = (
  request: never,
  context: { readonly signal: AbortSignal },
) => Promise<string | undefined> | string | undefined;

/** One MethodAccess per method of `S`, keyed by the method's local name; a missing one does not compile. */
export type ServiceAccess<S extends DescService> = {
  readonly [K in keyof S["method"]]: MethodAccess;
};

/** The same access for every method of `service` (internal services with one caller). */
export function everyMethod<S extends DescService>(service: S, access: MethodAccess): ServiceAccess<S> {
  return Object.fromEntries(service.methods.map((method) => [method.localName, access])) as ServiceAccess<S>;
}

/**
 * Throws unless `principal` may call `method` under `access` (see MethodAccess): unauthenticated
 * for anonymous callers, permission_denied for the rest. Resolves the addressed project only for
 * identities that are not organisation admins.
 */
export async function authorizeCall(
  principal: Principal,
  access: MethodAccess,
  request: unknown,
  method: string,
  signal: AbortSignal,
): Promise<void> {
  if (access.anonymous) return;
  switch (principal.kind) {
    case "anonymous":
      throw unauthenticated(`${method} needs a valid bearer token in the "authorization" metadata`);
    case "bootstrap":
      if (access.bootstrap) return;
      throw permissionDenied(
        `${method} is not available to the bootstrap token; it only creates identities and their tokens`,
      );
    case "service":
      if (access.services?.includes(principal.service)) return;
      throw permissionDenied(`${method} is not available to the ${principal.service} service`);
    case "identity":
      return authorizeIdentity(principal, access.identity, request, method, signal);
  }
}

async function authorizeIdentity(
  principal: IdentityPrincipal,
  rule: IdentityRule | undefined,
  request: unknown,
  method: string,
  signal: AbortSignal,
): Promise<void> {
  if (rule === undefined) throw permissionDenied(`${method} is not available to identities`);
  if (principal.organizationAdmin) return;
  if ("organizationAdmin" in rule) throw permissionDenied(`${method} needs an organisation admin`);
  if ("anyIdentity" in rule) return;
  const needed = typeof rule.role === "function" ? (rule.role as (r: unknown) => ProjectRole)(request) : rule.role;
  const projectId = await (rule.project as ProjectOfUnknown)(request, { signal });
  const held = projectId === undefined ? undefined : roleIn(principal, projectId);
  if (held === undefined || !roleCovers(held, needed)) {
    throw permissionDenied(`${method} needs the ${needed} role in the project it addresses`);
  }
}

type ProjectOfUnknown = (request: unknown, context: { readonly signal: AbortSignal }) => ReturnType<ProjectOf>;
