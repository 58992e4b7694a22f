import { jetstream, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import { headers as natsHeaders, type NatsConnection } from "@nats-io/nats-core";
import type { Logger, MetricsRegistry } from "@syncline/telemetry";
import { subjects } from "./topology.ts";

/** Why a consumer gave up on a message (a label value: a fixed kind, never content). */
export type DeadLetterReason = "undecodable" | "handler_failed";

/** Where a dead letter came from: names only. */
export interface DeadLetterOrigin {
  readonly stream: string;
  readonly consumer: string;
}

/** Headers a dead letter carries besides the original message's own. */
export const deadLetterHeaders = {
  stream: "Syncline-Dead-Letter-Stream",
  consumer: "Syncline-Dead-Letter-Consumer",
  subject: "Syncline-Dead-Letter-Subject",
  sequence: "Syncline-Dead-Letter-Sequence",
  deliveries: "Syncline-Dead-Letter-Deliveries",
  reason: "Syncline-Dead-Letter-Reason",
  error: "Syncline-Dead-Letter-Error",
  time: "Syncline-Dead-Letter-Time",
  /** The original `Nats-Msg-Id` (Nats-* headers are not copied: they would steer the dead-letter stream). */
  msgId: "Syncline-Dead-Letter-Msg-Id",
} as const;

/** Keeps messages a consumer gives up on; one per process (it registers the counter). */
export interface DeadLetters {
  /**
   * Publishes `msg`'s raw bytes and headers, plus where it came from and why, to
   * `syncline.dead_letters.<consumer>` and waits for the stream's acknowledgement; only then may the
   * caller terminate it. Rejects when the copy could not be stored (the caller must not terminate).
   */
  keep(msg: JsMsg, origin: DeadLetterOrigin, reason: DeadLetterReason, error: unknown): Promise<void>;
}

const MAX_ERROR_LENGTH = 500;

/**
 * Creates the dead-letter sink and its counter `syncline_bus_dead_letters_total{consumer,reason}`.
 * The payload is never logged: it may be anything, including a value that should not be.
 */
export function createDeadLetters(options: {
  nc: NatsConnection;
  js?: JetStreamClient;
  metrics?: MetricsRegistry;
  logger: Logger;
}): DeadLetters {
  const js = options.js ?? jetstream(options.nc);
  const counter = options.metrics?.counter(
    "syncline_bus_dead_letters_total",
    "Messages a consumer terminated and kept on the dead-letter stream (undecodable, or its handler kept failing).",
    ["consumer", "reason"],
  );
  return {
    async keep(msg, origin, reason, error) {
      const headers = natsHeaders();
      for (const [name, values] of msg.headers ?? []) {
        if (/^nats-/i.test(name)) continue;
        for (const value of values) headers.append(name, value);
      }
      const originalId = msg.headers?.get("Nats-Msg-Id");
      if (originalId) headers.set(deadLetterHeaders.msgId, originalId);
      headers.set(deadLetterHeaders.stream, origin.stream);
      headers.set(deadLetterHeaders.consumer, origin.consumer);
      headers.set(deadLetterHeaders.subject, msg.subject);
      headers.set(deadLetterHeaders.sequence, String(msg.info.streamSequence));
      headers.set(deadLetterHeaders.deliveries, String(msg.info.deliveryCount));
      headers.set(deadLetterHeaders.reason, reason);
      headers.set(deadLetterHeaders.error, errorText(error));
      headers.set(deadLetterHeaders.time, new Date().toISOString());
      // One dead letter per original message, even if the term is lost and it comes back.
      const msgID = `${origin.stream}/${msg.info.streamSequence}`;
      await js.publish(subjects.deadLetter(origin.consumer), msg.data, { msgID, headers });
      counter?.inc({ consumer: origin.consumer, reason });
      const { streamSequence: sequence, deliveryCount: deliveries } = msg.info;
      const facts = { consumer: origin.consumer, subject: msg.subject, sequence, deliveries, reason };
      options.logger.warn(facts, "message moved to the dead letters");
    },
  };
}

/** The error's message on one line, bounded (a header value cannot hold a line break). */
function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return text.replace(/[\r\n]+/g, " ").slice(0, MAX_ERROR_LENGTH);
}
