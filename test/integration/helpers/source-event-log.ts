import { fromBinary } from "@bufbuild/protobuf";
import { jetstreamManager } from "@nats-io/jetstream";
import { connectBus, streams, type NatsConnection } from "@syncline/bus";
import { SourceChangeEventSchema, type SourceChangeEvent } from "@syncline/gen/syncline/events/v1/source_events_pb.js";

/** One message of the SYNCLINE_SOURCE_EVENTS stream as the stream stored it. */
export interface StoredSourceEvent {
  readonly streamSequence: number;
  readonly subject: string;
  /** The `Nats-Msg-Id` header the publisher set. */
  readonly msgId: string | undefined;
  /** The raw payload and every header value, to search for values that must never appear. */
  readonly raw: string;
  readonly event: SourceChangeEvent;
}

/** Reads the source-events stream directly (no consumer), so reading never changes what is stored. */
export interface SourceEventLog {
  /** Every stored message, in stream order; only those of `projectId` when given. */
  read(projectId?: string): Promise<StoredSourceEvent[]>;
  close(): Promise<void>;
}

/** Connects to `natsUrl`; the stream is expected to exist (the secrets service creates it at start). */
export async function openSourceEventLog(natsUrl: string): Promise<SourceEventLog> {
  const nc: NatsConnection = await connectBus(natsUrl, "source-event-log");
  return {
    async read(projectId) {
      const jsm = await jetstreamManager(nc);
      const info = await jsm.streams.info(streams.sourceEvents.name);
      const stored: StoredSourceEvent[] = [];
      for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
        const message = await jsm.streams.getMessage(streams.sourceEvents.name, { seq });
        if (!message) continue;
        const headerValues = message.header
          ? [...message.header.keys()].map((key) => `${key}: ${message.header.values(key).join(",")}`)
          : [];
        const event = fromBinary(SourceChangeEventSchema, message.data);
        if (projectId !== undefined && event.projectId !== projectId) continue;
        stored.push({
          streamSequence: message.seq,
          subject: message.subject,
          msgId: message.header?.get("Nats-Msg-Id") || undefined,
          raw: `${Buffer.from(message.data).toString("latin1")}\n${headerValues.join("\n")}`,
          event,
        });
      }
      return stored;
    },
    async close() {
      await nc.close();
    },
  };
}
