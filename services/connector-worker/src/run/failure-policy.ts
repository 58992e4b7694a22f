import { ConnectorError, toConnectorError, type ConnectorErrorKind } from "@syncline/connectors";
import { backoffDelayMs, DomainError, type Backoff, type ErrorKind } from "@syncline/errors";
import { describeSizeLimit, isSizeLimit } from "./internal-limits.ts";

/** A classified run failure: what kind, what to tell a person, and the server's requested wait. */
export interface RunFailure {
  readonly kind: ConnectorErrorKind | "breaker_open" | "lease_lost";
  readonly message: string;
  readonly retryAfterMs: number | undefined;
}

/**
 * What to do about a failure on a given attempt. `consumesAttempt` is false when the run only
 * waited (an open breaker, a rate limit): the attempt is given back and never counts toward failing.
 */
export type FailureDecision =
  | { readonly retry: true; readonly delayMs: number; readonly consumesAttempt: boolean }
  | { readonly retry: false };

/**
 * Failures that are waits, not failed attempts (docs/architecture.md, Propagation rules): the destination was not tried (the
 * breaker is open) or asked to be left alone for a while (rate limit). A run keeps waiting through
 * them however long it takes; it never fails for them.
 */
const waits: ReadonlySet<RunFailure["kind"]> = new Set(["breaker_open", "rate_limited"]);
/** Shortest wait on an open breaker (its trial call may be on its way). */
const MIN_BREAKER_WAIT_MS = 500;

/**
 * The one table from failure kind to retry behaviour (docs/architecture.md, Propagation rules: "Retry as data"): transient
 * failures back off exponentially, rate limits wait as the server asked, conflicts retry soon, an
 * open breaker waits until it half-opens (both waits consume no attempt), a lost lease asks the
 * orchestrator again soon (it then
 * answers BUSY, SUPERSEDED or PROCEED); everything else fails the run at once.
 */
const policy: Record<RunFailure["kind"], (attempt: number, failure: RunFailure) => number | undefined> = {
  transient: (attempt) => backoff(attempt),
  rate_limited: (_attempt, failure) => Math.max(failure.retryAfterMs ?? 1000, 250),
  conflict: (attempt) => Math.min(200 * attempt, 2000),
  breaker_open: (_attempt, failure) => Math.max(failure.retryAfterMs ?? 5000, MIN_BREAKER_WAIT_MS),
  lease_lost: () => 1000,
  auth: () => undefined,
  invalid_config: () => undefined,
  limit_exceeded: () => undefined,
  not_found: () => undefined,
  unsupported: () => undefined,
};

/** Decides retry or fail; waits always retry, and after `maxAttempts` every other failure is final. */
export function decide(failure: RunFailure, attempt: number, maxAttempts: number): FailureDecision {
  const delayMs = policy[failure.kind](attempt, failure);
  if (delayMs === undefined) return { retry: false };
  if (waits.has(failure.kind)) return { retry: true, delayMs, consumesAttempt: false };
  if (attempt >= maxAttempts) return { retry: false };
  return { retry: true, delayMs, consumesAttempt: true };
}

/**
 * Longest wait before asking the orchestrator again for a run it could not be asked about. The
 * delivery count behind the backoff also counts the run's earlier attempts, waits and BUSY answers,
 * so it says nothing about how long the orchestrator has been away; uncapped, a run redelivered a few
 * times that meets a short orchestrator or database outage would sit out a full minute after it.
 */
export const MAX_UNCLAIMED_WAIT_MS = 10_000;

/**
 * What to do with a request whose run could not be claimed (BeginSyncRun failed): the run is not
 * this worker's, so nothing is reported. A request the orchestrator calls malformed or unknown is
 * terminated; anything else (orchestrator down, wrong internal credential) is asked again later,
 * within `MAX_UNCLAIMED_WAIT_MS` (asking is one cheap call; it never touches the destination).
 */
export function decideUnclaimed(
  failure: RunFailure,
  deliveryCount: number,
): { readonly kind: "nak"; readonly delayMs: number } | { readonly kind: "term"; readonly reason: string } {
  if (failure.kind === "invalid_config" || failure.kind === "not_found")
    return { kind: "term", reason: `run request refused by the orchestrator: ${failure.message}` };
  const delayMs = policy[failure.kind](deliveryCount, failure) ?? backoff(deliveryCount);
  return { kind: "nak", delayMs: Math.min(delayMs, MAX_UNCLAIMED_WAIT_MS) };
}

/** Redelivery backoff: 0.5 s, 1 s, 2 s, … capped at 60 s, ±20 %. */
const REDELIVERY_BACKOFF: Backoff = { baseMs: 500, maxMs: 60_000, jitter: 0.2 };

/** The delay before redelivery `attempt` (1 for the first). */
export function backoff(attempt: number): number {
  return backoffDelayMs(attempt, REDELIVERY_BACKOFF);
}

/**
 * The run failure an internal call's error kind means (the kind the peer's status decoded to);
 * kinds not named here (unavailable, conflict, deadline_exceeded, internal, …) are transient.
 */
const failureOfKind: Partial<Record<ErrorKind, ConnectorErrorKind>> = {
  not_found: "not_found",
  invalid_argument: "invalid_config",
  failed_precondition: "invalid_config",
  unauthenticated: "auth",
  permission_denied: "auth",
  unimplemented: "unsupported",
  limit_exceeded: "limit_exceeded",
};

/** Classifies anything a run can throw: connector errors, internal RPC errors, breaker errors. */
export function classifyFailure(error: unknown): RunFailure {
  if (error instanceof DomainError) {
    const kind = isSizeLimit(error) ? "limit_exceeded" : (failureOfKind[error.kind] ?? "transient");
    const message =
      kind === "auth"
        ? error.kind === "permission_denied"
          ? // Our own services' refusals (e.g. a run grant that does not cover the request) name why, never a grant.
            `an internal service refused the worker: ${error.message.slice(0, 300)}`
          : "an internal service refused the worker's credential; check its SYNCLINE_SERVICE_TOKEN and that service's SYNCLINE_PEER_SERVICE_DIGESTS"
        : kind === "limit_exceeded"
          ? `an internal call exceeded a gRPC message size limit (${describeSizeLimit(error)}); retrying cannot help`
          : `internal call failed: ${error.message}`;
    return { kind, message, retryAfterMs: undefined };
  }
  const code = (error as { code?: string } | undefined)?.code;
  if (code === "ELEASELOST") return { kind: "lease_lost", message: (error as Error).message, retryAfterMs: undefined };
  if (code === "EOPENBREAKER") {
    // The breaker registry tells when the breaker lets a trial call through again.
    const untilHalfOpen = (error as { retryAfterMs?: number }).retryAfterMs;
    const message = "the destination is failing; its circuit breaker is open";
    return { kind: "breaker_open", message, retryAfterMs: untilHalfOpen };
  }
  if (code === "ETIMEDOUT")
    return { kind: "transient", message: "the destination did not answer in time", retryAfterMs: undefined };
  const connectorError = error instanceof ConnectorError ? error : toConnectorError(error);
  return { kind: connectorError.kind, message: connectorError.message, retryAfterMs: connectorError.retryAfterMs };
}
