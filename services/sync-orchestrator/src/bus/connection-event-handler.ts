import type { Disposition } from "@syncline/bus";
import {
  ConnectionChangeKind,
  type ConnectionChangeEvent,
} from "@syncline/gen/syncline/events/v1/connection_events_pb.js";
import type { Logger } from "@syncline/telemetry";
import type { SourceChanges } from "../service/source-changes.ts";

/**
 * Hands each connection change event to the change rules: new credentials request a run
 * (CREDENTIALS_UPDATED) of every auto-sync of the connection; a deleted connection fails its
 * syncs. Acked once the runs are recorded and published.
 */
export function createConnectionEventHandler(deps: { changes: SourceChanges; logger: Logger }) {
  return async (event: ConnectionChangeEvent): Promise<Disposition> => {
    const outcome = await deps.changes.applyConnectionEvent(event);
    deps.logger.info(
      { eventId: event.eventId, connectionId: event.connectionId, kind: ConnectionChangeKind[event.kind], ...outcome },
      "connection change handled",
    );
    return { kind: "ack" };
  };
}
