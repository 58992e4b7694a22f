import type { Disposition } from "@syncline/bus";
import { SourceChangeKind, type SourceChangeEvent } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import type { Logger } from "@syncline/telemetry";
import type { SourceChanges } from "../service/source-changes.ts";

/**
 * Hands each source change event to the source-change rules (runs for the syncs that see the
 * folder, failures for syncs whose source was deleted). The event is acked only after its runs
 * are recorded and published; a redelivered event folds into the same runs or finds them already
 * recorded (run ids derive from event and sync).
 */
export function createSourceEventHandler(deps: { changes: SourceChanges; logger: Logger }) {
  return async (event: SourceChangeEvent): Promise<Disposition> => {
    const outcome = await deps.changes.applySourceEvent(event);
    if (outcome.requested > 0 || outcome.failed > 0) {
      deps.logger.debug(
        { eventId: event.eventId, kind: SourceChangeKind[event.kind], revision: event.revision.toString(), ...outcome },
        "source change handled",
      );
    }
    return { kind: "ack" };
  };
}
