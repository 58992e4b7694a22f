import type { DescMethod } from "@bufbuild/protobuf";
import { limitExceeded } from "@syncline/errors";
import type { CallContext, ServerStreamingHandler } from "./handlers.ts";
import { actorOf } from "./principal.ts";

type StreamingMethod = Pick<DescMethod, "input" | "output" | "methodKind"> & { methodKind: "server_streaming" };

/** How many streams of one method a caller may hold open at once. */
export interface StreamSlotLimit {
  /** Streams per caller; the next one is refused with RESOURCE_EXHAUSTED. */
  readonly perCaller: number;
  /** The method, for the refusal message (e.g. "WatchSecretSync"). */
  readonly method: string;
  /** The setting that raises the limit, named in the refusal message. */
  readonly setting: string;
}

/** Who holds a slot: the caller's identity (or service), never its token. */
function callerOf(context: CallContext): string {
  return actorOf(context.principal);
}

/**
 * Bounds how many streams of `handler` each caller holds open on this replica: a client opening
 * watches in a loop cannot exhaust the server's memory or file handles. The slot is taken when the
 * stream starts and freed when it ends for any reason: the handler finishes or fails, the client
 * cancels, the deadline passes, or keepalive finds the client gone (keepalive.ts).
 */
export function boundedPerCaller<M extends StreamingMethod>(
  handler: ServerStreamingHandler<M>,
  limit: StreamSlotLimit,
): ServerStreamingHandler<M> {
  const open = new Map<string, number>();
  return async function* (request, context) {
    const caller = callerOf(context);
    const held = open.get(caller) ?? 0;
    if (held >= limit.perCaller) {
      throw limitExceeded(
        `${limit.method}: this caller already has ${held} streams open, the limit (${limit.setting}=${limit.perCaller}); close one and retry`,
      );
    }
    open.set(caller, held + 1);
    try {
      yield* handler(request, context);
    } finally {
      const left = (open.get(caller) ?? 1) - 1;
      if (left === 0) open.delete(caller);
      else open.set(caller, left);
    }
  };
}
