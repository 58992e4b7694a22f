import { ConnectorError, toConnectorError } from "./connector-error.ts";

/** What a write actually did, by destination key. */
export interface ApplyOutcome {
  readonly created: readonly string[];
  readonly updated: readonly string[];
  readonly deleted: readonly string[];
}

/**
 * What the run lends a connector during `apply` and `remove`: a hook asked before each batch of
 * writes (every request of a key-by-key destination counts toward a batch; a destination that
 * writes everything in one request has one batch). The worker re-checks its fence there, so a run
 * that lost its lease or was overtaken by a newer revision stops between batches. The hook throws
 * to stop the apply; the connector then throws `PartialApplyError` if anything was written.
 */
export interface ApplyControl {
  beforeBatch(): Promise<void>;
}

/** A control that never stops an apply: for callers without a fence (tests, tools). */
export const noApplyControl: ApplyControl = { beforeBatch: async () => undefined };

/**
 * An `apply` or `remove` that failed after the destination confirmed some writes: `outcome` is
 * exactly what was confirmed (names only), `cause` the failure that stopped it. `kind` and
 * `retryAfterMs` are the cause's (an unknown cause counts as `transient`), so retry policy sees
 * the real failure. An error that is not a `PartialApplyError` means nothing was written.
 */
export class PartialApplyError extends ConnectorError {
  readonly outcome: ApplyOutcome;
  constructor(outcome: ApplyOutcome, cause: unknown) {
    const classified = toConnectorError(cause);
    const written = outcome.created.length + outcome.updated.length + outcome.deleted.length;
    super(classified.kind, `${classified.message} (stopped after ${written} of the changes were written)`, {
      cause,
      ...(classified.retryAfterMs !== undefined ? { retryAfterMs: classified.retryAfterMs } : {}),
    });
    this.name = "PartialApplyError";
    this.outcome = outcome;
  }
}

/**
 * Collects what an apply confirmed and, on failure, rethrows as `PartialApplyError` when anything
 * was written (the original error otherwise), so each connector reports partial outcomes alike.
 */
export function createOutcomeRecorder() {
  const created: string[] = [];
  const updated: string[] = [];
  const deleted: string[] = [];
  const outcome = (): ApplyOutcome => ({ created: [...created], updated: [...updated], deleted: [...deleted] });
  return {
    created,
    updated,
    deleted,
    outcome,
    /** Runs the apply body; any failure leaves with what was confirmed so far. */
    async run(body: () => Promise<void>): Promise<ApplyOutcome> {
      try {
        await body();
      } catch (error) {
        if (created.length + updated.length + deleted.length === 0) throw error;
        throw new PartialApplyError(outcome(), error);
      }
      return outcome();
    },
  };
}
