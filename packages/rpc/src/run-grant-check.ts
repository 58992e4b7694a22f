import type { Metadata } from "@grpc/grpc-js";
import { permissionDenied } from "@syncline/errors";
import type { Principal } from "./principal.ts";
import { RUN_GRANT_METADATA, type RunGrantVerifier, type VerifiedRunGrant } from "./run-grant.ts";

/**
 * What a service checks before it serves a connector worker (docs/least-privilege.md): the caller is
 * the `connector-worker` service and presents a live run grant in `x-syncline-run-grant`; the
 * handler then checks that the request stays inside the grant (the helpers below).
 */

/** The caller of a call, as handlers see it (`CallContext.principal`). */
export type CallerPrincipal = Principal;

/** Whether `principal` is one of Syncline's own services (any of them). */
export function isServiceCaller(principal: CallerPrincipal): boolean {
  return principal.kind === "service";
}

/** Whether `principal` is the connector worker's service credential. */
export function isConnectorWorker(principal: CallerPrincipal): boolean {
  return principal.kind === "service" && principal.service === "connector-worker";
}

/** The grant of a call's metadata, if any (the first value). */
export function runGrantOf(metadata: Metadata): string | undefined {
  const value = metadata.get(RUN_GRANT_METADATA)[0];
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

/**
 * The verified grant of a worker's call; PERMISSION_DENIED when the caller is not the connector
 * worker or its grant does not verify (the message never carries the grant).
 */
export async function requireWorkerGrant(
  verifier: RunGrantVerifier,
  context: { readonly principal: CallerPrincipal; readonly metadata: Metadata },
  method: string,
): Promise<VerifiedRunGrant> {
  if (!isConnectorWorker(context.principal)) {
    throw permissionDenied(`${method} serves connector workers only, under a run grant`);
  }
  return verifier.verify(runGrantOf(context.metadata));
}

/** A source folder as requests name it (path normalised). */
export interface SourceScope {
  readonly projectId: string;
  readonly environment: string;
  readonly path: string;
  readonly recursive: boolean;
}

/**
 * Whether `source` lies inside the grant's source: same project and environment, and the grant's
 * folder itself — or, for a recursive grant, a folder below it (read recursively or not).
 */
export function grantCoversSource(grant: VerifiedRunGrant, source: SourceScope): boolean {
  if (grant.projectId !== source.projectId || grant.environment !== source.environment) return false;
  if (source.path === grant.path) return grant.recursive || !source.recursive;
  return grant.recursive && isBelow(grant.path, source.path);
}

/**
 * Whether the grant lets its run write into its source (BulkWriteSecrets): an IMPORT run, or a
 * SYNC run whose first push imports first (the orchestrator then sets the grant's import
 * behaviour) — and only into the grant's source folder or, when recursive, below it.
 */
export function grantAllowsImport(
  grant: VerifiedRunGrant,
  projectId: string,
  targets: ReadonlyArray<{ readonly environment: string; readonly path: string }>,
): boolean {
  const writes = grant.action === "IMPORT" || (grant.action === "SYNC" && grant.importBehavior !== "");
  if (!writes) return false;
  return targets.every((target) =>
    grantCoversSource(grant, { projectId, environment: target.environment, path: target.path, recursive: false }),
  );
}

function isBelow(parent: string, child: string): boolean {
  return parent === "/" ? child.startsWith("/") && child !== "/" : child.startsWith(`${parent}/`);
}
