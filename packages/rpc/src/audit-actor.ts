import { actorOf, type Principal } from "./principal.ts";

/**
 * Who made a change, as audit rows record it: `id` is `actorOf(principal)` (`identity:<id>`,
 * `service:<name>`, `bootstrap`), `name` the identity's name at the time (absent for the rest).
 * Never a token.
 */
export interface AuditActor {
  readonly id: string;
  readonly name?: string;
}

/** The audit actor of `principal`. */
export function auditActor(principal: Principal): AuditActor {
  return principal.kind === "identity" ? { id: actorOf(principal), name: principal.name } : { id: actorOf(principal) };
}
