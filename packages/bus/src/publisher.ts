import { create, toBinary, type DescMessage, type MessageInitShape } from "@bufbuild/protobuf";
import { jetstream, type JetStreamClient, type PubAck } from "@nats-io/jetstream";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/nats-core";
import { SpanKind, SpanStatusCode, context, trace } from "@opentelemetry/api";
import { extractTraceContext, writeTraceContext } from "@syncline/telemetry";

const tracer = trace.getTracer("syncline.bus");

/**
 * Attempts of one publish that timed out or found no stream leader (a JetStream cluster electing a
 * new one after a node was lost): retried after 0, 0.25, 0.25, 0.5, 0.5, 3 and 5 s (jittered), about
 * 10 s in all, longer than an election takes (a few seconds). The `Nats-Msg-Id` makes a retry of a
 * publish that did land a duplicate the stream drops.
 */
const PUBLISH_ATTEMPTS = 8;

/** Publishes protobuf events to JetStream and waits for the stream's acknowledgement. */
export interface EventPublisher {
  /**
   * `msgId` becomes `Nats-Msg-Id`: a republish with the same id within the stream's duplicate
   * window is dropped by the server. `traceContext` continues a stored trace (outbox rows); by
   * default the active context is propagated.
   */
  publish<D extends DescMessage>(
    subject: string,
    schema: D,
    message: MessageInitShape<D>,
    options: { msgId: string; traceContext?: Record<string, string> },
  ): Promise<PubAck>;
  /** Publishes an already encoded event (outbox rows) with its message type name. */
  publishEncoded(
    subject: string,
    payload: Uint8Array,
    options: { msgId: string; typeName: string; traceContext?: Record<string, string> },
  ): Promise<PubAck>;
}

/** Creates a publisher on `nc`. */
export function createEventPublisher(nc: NatsConnection, js: JetStreamClient = jetstream(nc)): EventPublisher {
  const send = (
    subject: string,
    bytes: Uint8Array,
    options: { msgId: string; typeName: string; traceContext?: Record<string, string> },
  ) => {
    const parent = options.traceContext ? extractTraceContext(options.traceContext) : context.active();
    const attributes = {
      "messaging.system": "nats",
      "messaging.destination.name": subject,
      "messaging.message.id": options.msgId,
    };
    return tracer.startActiveSpan(
      `${subject.split(".").slice(0, 3).join(".")} publish`,
      { kind: SpanKind.PRODUCER, attributes },
      parent,
      async (span) => {
        try {
          const headers = natsHeaders();
          writeTraceContext((key, value) => headers.set(key, value));
          headers.set("Content-Type", `application/x-protobuf; proto=${options.typeName}`);
          const ack = await js.publish(subject, bytes, { msgID: options.msgId, headers, retries: PUBLISH_ATTEMPTS });
          span.setAttribute("messaging.nats.duplicate", ack.duplicate);
          return ack;
        } catch (error) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).name });
          throw error;
        } finally {
          span.end();
        }
      },
    );
  };
  return {
    publish(subject, schema, message, options) {
      return send(subject, toBinary(schema, create(schema, message)), { ...options, typeName: schema.typeName });
    },
    publishEncoded: send,
  };
}
