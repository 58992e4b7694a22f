import type { Disposition } from "@syncline/bus";
import type { Database } from "@syncline/db";
import type { SourceChangeEvent } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { Logger } from "@syncline/telemetry";
import { runIdForEvent } from "../domain/sync-rules.ts";
import type { RunRequester } from "../service/run-requester.ts";
import { findAutoSyncsForSource } from "../store/sync-store.ts";

/**
 * Turns one source change event into one run request per auto-sync whose source is the changed
 * folder. Run ids derive from (event, sync), so a redelivered event requests nothing twice. The
 * event is acked only after every request was published.
 */
export function createSourceEventHandler(deps: { db: Database; runs: RunRequester; logger: Logger }) {
  return async (event: SourceChangeEvent): Promise<Disposition> => {
    const syncs = await findAutoSyncsForSource(deps.db, event.projectId, event.environment, event.path);
    if (syncs.length > 0) {
      await deps.runs.request(syncs, { trigger: SyncTrigger.SOURCE_CHANGE, sourceRevision: event.revision, runIdFor: (sync) => runIdForEvent(event.eventId, sync.id) });
      deps.logger.debug({ eventId: event.eventId, syncs: syncs.length, revision: event.revision.toString() }, "source change requested runs");
    }
    return { kind: "ack" };
  };
}
