import type { ConnectionOptions } from "node:tls";
import { Agent, buildConnector, fetch as undiciFetch, type Dispatcher } from "undici";
import type { EndpointGuard } from "./endpoint-guard.ts";
import { guardedLookup, refusedLiteral } from "./guarded-lookup.ts";
import { DEFAULT_MAX_RESPONSE_BYTES, ResponseTooLargeError } from "./response-cap.ts";

/** Options of a guarded undici dispatcher. */
export interface GuardedDispatcherOptions {
  /** TLS settings of every connection (e.g. a Kubernetes cluster's CA bundle as `ca`). */
  readonly tls?: ConnectionOptions;
  /** The largest response body read, in bytes; defaults to DEFAULT_MAX_RESPONSE_BYTES. */
  readonly maxResponseBytes?: number;
}

/**
 * An undici dispatcher for every fetch a connector makes (fetch-based clients, Octokit, the
 * Kubernetes client): each new connection resolves its host through `guard.resolve` and connects
 * only to a checked address (IP literals checked as given), so DNS rebinding and redirects to an
 * internal address fail at connect time with `EndpointRefusedError`; each response body is cut
 * off after `maxResponseBytes` with `ResponseTooLargeError` (an announced `content-length` above the
 * cap fails before any byte is read). Keep one per guard and settings: it owns a connection pool.
 */
export function createGuardedDispatcher(guard: EndpointGuard, options: GuardedDispatcherOptions = {}): Dispatcher {
  const limit = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
  const connectThroughGuard = buildConnector({ ...options.tls, lookup: guardedLookup(guard) });
  const connect: buildConnector.connector = (target, callback) => {
    refusedLiteral(guard, target.hostname).then(
      (refusal) => {
        if (refusal) callback(refusal, null);
        else connectThroughGuard(target, callback);
      },
      (error: Error) => callback(error, null),
    );
  };
  return new Agent({ connect }).compose(
    (dispatch) => (request, handler) => dispatch(request, bodyCap(handler, hostOf(request.origin), limit)),
  );
}

const shared = new WeakMap<EndpointGuard, Dispatcher>();

/** The process-wide guarded dispatcher of `guard` with default settings (one connection pool per guard). */
export function guardedDispatcher(guard: EndpointGuard): Dispatcher {
  let dispatcher = shared.get(guard);
  if (!dispatcher) {
    dispatcher = createGuardedDispatcher(guard);
    shared.set(guard, dispatcher);
  }
  return dispatcher;
}

/**
 * `fetch` through `guard`'s dispatcher (undici's own fetch, so dispatcher and fetch are one
 * version). Drop-in for the global `fetch` in clients and for Octokit's `request.fetch`, called as
 * `(url, init)`: a `Request` object is refused (its method, headers and body would not carry over).
 */
export function guardedFetch(guard: EndpointGuard, dispatcher: Dispatcher = guardedDispatcher(guard)): typeof fetch {
  const guarded = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (input instanceof Request) throw new TypeError("guardedFetch takes a URL and init, not a Request");
    const response = await undiciFetch(input, { ...(init as Parameters<typeof undiciFetch>[1]), dispatcher });
    return response as unknown as Response;
  };
  return guarded as typeof fetch;
}

/** Forwards every event to `inner`, counting response bytes and aborting once they pass the limit. */
function bodyCap(inner: Dispatcher.DispatchHandler, host: string, limit: number): Dispatcher.DispatchHandler {
  let seen = 0;
  const tooLarge = () => new ResponseTooLargeError(host, limit);
  return {
    onRequestStart: (controller, context) => inner.onRequestStart?.(controller, context),
    onRequestUpgrade: (controller, status, headers, socket) =>
      inner.onRequestUpgrade?.(controller, status, headers, socket),
    onResponseStart(controller, status, headers, message) {
      if (Number(headers["content-length"] ?? Number.NaN) > limit) return controller.abort(tooLarge());
      return inner.onResponseStart?.(controller, status, headers, message);
    },
    onResponseData(controller, chunk) {
      seen += chunk.length;
      if (seen > limit) return controller.abort(tooLarge());
      return inner.onResponseData?.(controller, chunk);
    },
    onResponseEnd: (controller, trailers) => inner.onResponseEnd?.(controller, trailers),
    onResponseError: (controller, error) => inner.onResponseError?.(controller, error),
    onRequestSent: () => inner.onRequestSent?.(),
  };
}

function hostOf(origin: string | URL | undefined): string {
  try {
    return origin === undefined ? "the provider" : new URL(origin).host;
  } catch {
    return "the provider";
  }
}
