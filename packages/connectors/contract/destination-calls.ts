/**
 * The gate every provider request of a connector goes through (one HTTP request = one call). The
 * gate decides when the request may start (concurrency, circuit breaker), hands it the
 * `AbortSignal` that cancels it (per-call deadline, run cancelled) and settles only once the
 * request itself has settled, so nothing keeps running after the caller was told it failed. A
 * request must pass the signal to its HTTP call; a gate never races a request it cannot stop.
 */
export interface DestinationCalls {
  /**
   * Runs one provider request. `operation` names it for logs and metrics ("write secret"), never
   * with a value. Rejects with whatever the request throws, or with the gate's own refusal (an open
   * breaker rejects with `code: "EOPENBREAKER"` before starting the request).
   */
  call<T>(operation: string, request: (signal: AbortSignal) => Promise<T>): Promise<T>;
}

/**
 * The abort reason a gate uses when a call overran its deadline, so a client can tell a deadline
 * (report a timeout with its length) from a cancelled run (report a cancellation).
 */
export class CallDeadlineError extends Error {
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`the destination call did not finish within ${timeoutMs} ms`);
    this.name = "TimeoutError";
    this.timeoutMs = timeoutMs;
  }
}

/** Why an aborted call's signal fired: its deadline (with its length) or a cancellation of the run. */
export type AbortCause = { readonly kind: "timeout"; readonly timeoutMs: number } | { readonly kind: "aborted" };

/** Reads the `AbortCause` off an aborted signal (anything but a `CallDeadlineError` reason is a cancellation). */
export function abortCause(signal: AbortSignal): AbortCause {
  const reason: unknown = signal.reason;
  if (reason instanceof CallDeadlineError) return { kind: "timeout", timeoutMs: reason.timeoutMs };
  return { kind: "aborted" };
}

/**
 * Runs `request` with a signal that aborts after `timeoutMs` or when `parent` aborts, and settles
 * when the request settles (the abort makes that prompt for a request that honours its signal).
 */
export async function callWithDeadline<T>(
  request: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  parent?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const onParentAbort = () => controller.abort(parent?.reason);
  if (parent?.aborted) onParentAbort();
  else parent?.addEventListener("abort", onParentAbort, { once: true });
  const timer = setTimeout(() => controller.abort(new CallDeadlineError(timeoutMs)), timeoutMs);
  try {
    return await request(controller.signal);
  } finally {
    clearTimeout(timer);
    parent?.removeEventListener("abort", onParentAbort);
  }
}

/**
 * The gate a client uses when its context supplies none (tests, live validation in the connections
 * service): no breaker and no concurrency cap, only the client's own per-request deadline and the
 * context's signal.
 */
export function createDeadlineCalls(options: {
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}): DestinationCalls {
  return {
    call: (_operation, request) => callWithDeadline(request, options.timeoutMs, options.signal),
  };
}
