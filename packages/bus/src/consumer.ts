import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { jetstream, type ConsumerMessages, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { SpanKind, SpanStatusCode, context, propagation, trace } from "@opentelemetry/api";
import type { Logger } from "@syncline/telemetry";
import type { ConsumerDefinition } from "./topology.ts";

const tracer = trace.getTracer("syncline.bus");

/** What to do with a message once handled: the only three outcomes JetStream needs. */
export type Disposition =
  | { readonly kind: "ack" }
  /** Redeliver after `delayMs` (retry with backoff). */
  | { readonly kind: "nak"; readonly delayMs: number }
  /** Never redeliver (poison message); `reason` is logged. */
  | { readonly kind: "term"; readonly reason: string };

/** Delivery facts a handler may use (e.g. to grow a backoff or cap retries). */
export interface Delivery {
  readonly subject: string;
  /** 1 on first delivery. */
  readonly deliveryCount: number;
  readonly streamSequence: number;
  /** Tells the server the message is still being worked on (resets ack_wait). */
  working(): void;
}

/** A running consumer; `stop` stops pulling and waits for in-flight messages to finish. */
export interface RunningConsumer {
  stop(): Promise<void>;
}

/**
 * Pulls `definition`'s durable consumer and hands each decoded event to `handle` inside a CONSUMER
 * span continuing the publisher's trace. Up to `concurrency` messages are handled at once. A
 * message is acked only after `handle` resolves, so its effect is durable before the ack; a thrown
 * error naks it with a short delay.
 */
export function startConsumer<D extends DescMessage>(options: {
  nc: NatsConnection;
  js?: JetStreamClient;
  definition: ConsumerDefinition;
  schema: D;
  logger: Logger;
  concurrency?: number;
  handle: (event: MessageShape<D>, delivery: Delivery) => Promise<Disposition>;
}): RunningConsumer {
  const js = options.js ?? jetstream(options.nc);
  const concurrency = options.concurrency ?? 1;
  const inFlight = new Set<Promise<void>>();
  let messages: ConsumerMessages | undefined;
  let stopped = false;

  const loop = (async () => {
    const consumer = await js.consumers.get(options.definition.stream, options.definition.config.durable_name);
    while (!stopped) {
      // Pull no more than can be handled at once: a pulled message waits unacknowledged, and if this
      // process dies it is redelivered only after ack_wait.
      messages = await consumer.consume({ max_messages: Math.max(concurrency, 1) });
      for await (const msg of messages) {
        const task = handleOne(msg).finally(() => inFlight.delete(task));
        inFlight.add(task);
        if (inFlight.size >= concurrency) await Promise.race(inFlight);
        if (stopped) break;
      }
      // The pull ended without a stop (consumer recreated, connection lost): pull again shortly.
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })().catch((error) => {
    if (!stopped) options.logger.error({ err: error, consumer: options.definition.config.durable_name }, "consumer stopped unexpectedly");
  });

  async function handleOne(msg: JsMsg): Promise<void> {
    const carrier: Record<string, string> = {};
    for (const name of ["traceparent", "tracestate"]) {
      const value = msg.headers?.get(name);
      if (value) carrier[name] = value;
    }
    const parent = propagation.extract(context.active(), carrier);
    const attributes = { "messaging.system": "nats", "messaging.destination.name": msg.subject, "messaging.consumer.group.name": options.definition.config.durable_name, "messaging.nats.delivery_count": msg.info.deliveryCount };
    await tracer.startActiveSpan(`${options.definition.config.durable_name} process`, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
      let disposition: Disposition;
      try {
        const event = fromBinary(options.schema, msg.data);
        disposition = await options.handle(event, {
          subject: msg.subject,
          deliveryCount: msg.info.deliveryCount,
          streamSequence: msg.info.streamSequence,
          working: () => msg.working(),
        });
      } catch (error) {
        options.logger.error({ err: error, subject: msg.subject }, "event handler failed; will redeliver");
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).name });
        disposition = { kind: "nak", delayMs: Math.min(30_000, 500 * 2 ** Math.min(msg.info.deliveryCount, 6)) };
      }
      settle(msg, disposition, options.logger);
      span.setAttribute("messaging.disposition", disposition.kind);
      span.end();
    });
  }

  return {
    async stop() {
      stopped = true;
      await messages?.close();
      await loop;
      await Promise.allSettled([...inFlight]);
    },
  };
}

function settle(msg: JsMsg, disposition: Disposition, logger: Logger): void {
  switch (disposition.kind) {
    case "ack":
      msg.ack();
      return;
    case "nak":
      msg.nak(disposition.delayMs);
      return;
    case "term":
      logger.warn({ subject: msg.subject, reason: disposition.reason }, "message terminated");
      msg.term(disposition.reason);
      return;
  }
}
