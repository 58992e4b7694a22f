/**
 * Who is calling, as every service sees it after authentication (see method-access.ts for what
 * each kind may call).
 *
 * - `anonymous`: no or an unknown token — health checks and reflection only;
 * - `bootstrap`: the bootstrap token from configuration — it only bootstraps (creates identities,
 *   their tokens and organisation admins), it never reads or writes secrets, connections or syncs;
 * - `identity`: a machine identity (or user) presenting one of its named, expiring, revocable
 *   tokens, with its organisation-admin flag and its role in each project it is a member of;
 * - `service`: one of Syncline's own processes, each with its own credential.
 */
export type Principal = AnonymousPrincipal | BootstrapPrincipal | IdentityPrincipal | ServicePrincipal;

export interface AnonymousPrincipal {
  readonly kind: "anonymous";
}

export interface BootstrapPrincipal {
  readonly kind: "bootstrap";
}

export interface IdentityPrincipal {
  readonly kind: "identity";
  readonly identityId: string;
  /** The identity's name (audit rows and logs carry it beside the id). */
  readonly name: string;
  /** The token presented (its id, never its value): revocation and audit. */
  readonly tokenId: string;
  /** Organisation admins hold every role in every project and manage identities and sharing. */
  readonly organizationAdmin: boolean;
  /** Project id → the identity's role there; projects it is no member of are absent. */
  readonly projectRoles: ReadonlyMap<string, ProjectRole>;
}

export interface ServicePrincipal {
  readonly kind: "service";
  readonly service: ServiceName;
}

/** Project roles, weakest first: each holds every permission of the ones before it. */
export const projectRoles = ["viewer", "developer", "admin"] as const;
/**
 * - `viewer`: metadata — projects, environments, folders, secret keys and versions, syncs, runs,
 *   connections' redacted views — never a value;
 * - `developer`: viewer + secret values, secret writes, triggering sync/import/remove runs;
 * - `admin`: developer + connections, syncs, project settings and members.
 */
export type ProjectRole = (typeof projectRoles)[number];

/** Syncline's own processes; each has its own credential. */
export const serviceNames = ["secrets", "connections", "sync-orchestrator", "connector-worker"] as const;
export type ServiceName = (typeof serviceNames)[number];

export const ANONYMOUS: AnonymousPrincipal = Object.freeze({ kind: "anonymous" });
export const BOOTSTRAP: BootstrapPrincipal = Object.freeze({ kind: "bootstrap" });

/** Whether `held` includes every permission of `needed`. */
export function roleCovers(held: ProjectRole, needed: ProjectRole): boolean {
  return projectRoles.indexOf(held) >= projectRoles.indexOf(needed);
}

/** The role `principal` holds in `projectId` ("admin" for organisation admins), or undefined. */
export function roleIn(principal: Principal, projectId: string): ProjectRole | undefined {
  if (principal.kind !== "identity") return undefined;
  if (principal.organizationAdmin) return "admin";
  return principal.projectRoles.get(projectId);
}

/**
 * The actor recorded in audit rows and logs for `principal`: `identity:<id>`, `service:<name>`,
 * `bootstrap` or `anonymous` — an id, never a token.
 */
export function actorOf(principal: Principal): string {
  switch (principal.kind) {
    case "identity":
      return `identity:${principal.identityId}`;
    case "service":
      return `service:${principal.service}`;
    default:
      return principal.kind;
  }
}
