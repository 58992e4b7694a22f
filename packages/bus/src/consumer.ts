import { fromBinary, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { jetstream, type ConsumerMessages, type JetStreamClient, type JsMsg } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { SpanKind, SpanStatusCode, trace, type Span } from "@opentelemetry/api";
import { readTraceContext, type Logger } from "@syncline/telemetry";
import type { DeadLetterReason, DeadLetters } from "./dead-letters.ts";
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

/** How long `stop` lets in-flight messages finish, and what it does when they do not. */
export interface DrainOptions {
  /** Longest wait for in-flight messages to finish on their own. */
  readonly timeoutMs: number;
  /** Called once `timeoutMs` has passed with messages still in flight (e.g. aborts their work). */
  readonly onTimeout?: () => void;
  /** Further wait after `onTimeout` before unfinished messages are handed back (default 5 s). */
  readonly graceMs?: number;
}

/** What a bounded stop had to cut short. */
export interface DrainOutcome {
  /** Messages still in flight when the drain time ran out (0: everything finished in time). */
  readonly interrupted: number;
  /** Messages whose handler had not returned even after the grace time; nakked for prompt redelivery. */
  readonly abandoned: number;
}

/** A running consumer. */
export interface RunningConsumer {
  /**
   * Stops pulling at once (messages already pulled but not started are nakked without delay) and
   * waits for in-flight messages: without `drain` until they finish, with it as `DrainOptions`
   * says. Once the drain time has run out, a handler's nak redelivers at once (no backoff).
   */
  stop(drain?: DrainOptions): Promise<DrainOutcome>;
}

const DEFAULT_GRACE_MS = 5000;
/** Redelivery delay when a dead letter could not be stored (the message must not be lost). */
const DEAD_LETTER_RETRY_MS = 5000;

/**
 * How long one pull request lives. The client expects a heartbeat every half of it and pulls anew
 * after two are missed: when the node leading a consumer dies, its pull requests die with it, and
 * the consumer is silent for up to this long (the 30 s default stalled results for 25 s in the
 * three-node test after a kill). Idle consumers re-pull this often; that costs one small request.
 */
const PULL_EXPIRES_MS = 5_000;

/**
 * Pulls `definition`'s durable consumer and hands each decoded event to `handle` inside a CONSUMER
 * span continuing the publisher's trace. Up to `concurrency` messages are handled at once. A
 * message is acked only after `handle` resolves, so its effect is durable before the ack; a thrown
 * error naks it with backoff. A message that cannot be decoded, or whose handler throws on its
 * `definition.deadLetterAfterDeliveries`th delivery, is copied to the dead letters and terminated.
 */
export function startConsumer<D extends DescMessage>(options: {
  nc: NatsConnection;
  js?: JetStreamClient;
  definition: ConsumerDefinition;
  schema: D;
  logger: Logger;
  /** Where messages this consumer gives up on are kept (see dead-letters.ts). */
  deadLetters: DeadLetters;
  concurrency?: number;
  handle: (event: MessageShape<D>, delivery: Delivery) => Promise<Disposition>;
}): RunningConsumer {
  const js = options.js ?? jetstream(options.nc);
  const concurrency = options.concurrency ?? 1;
  const name = options.definition.config.durable_name;
  const origin = { stream: options.definition.stream, consumer: name };
  const inFlight = new Map<Promise<void>, JsMsg>();
  const abandoned = new WeakSet<JsMsg>();
  let messages: ConsumerMessages | undefined;
  let stopped = false;
  let drainExpired = false;
  let stopRequested!: () => void;
  const stopSignal = new Promise<void>((resolve) => (stopRequested = resolve));

  const loop = (async () => {
    const consumer = await js.consumers.get(options.definition.stream, name);
    while (!stopped) {
      // Pull no more than can be handled at once: a pulled message waits unacknowledged, and if this
      // process dies it is redelivered only after ack_wait.
      messages = await consumer.consume({ max_messages: Math.max(concurrency, 1), expires: PULL_EXPIRES_MS });
      if (stopped) await messages.close();
      for await (const msg of messages) {
        // Pulled after stop: hand it back at once rather than leave it waiting for ack_wait.
        if (stopped) {
          msg.nak();
          continue;
        }
        const task = handleOne(msg)
          .catch((error: unknown) => options.logger.error({ err: error, consumer: name }, "could not settle a message"))
          .finally(() => inFlight.delete(task));
        inFlight.set(task, msg);
        while (inFlight.size >= concurrency && !stopped) await Promise.race([...inFlight.keys(), stopSignal]);
      }
      // The pull ended without a stop (consumer recreated, connection lost): pull again shortly.
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })().catch((error) => {
    if (!stopped) options.logger.error({ err: error, consumer: name }, "consumer stopped unexpectedly");
  });

  async function handleOne(msg: JsMsg): Promise<void> {
    const parent = readTraceContext((key) => msg.headers?.get(key));
    const attributes = {
      "messaging.system": "nats",
      "messaging.destination.name": msg.subject,
      "messaging.consumer.group.name": name,
      "messaging.nats.delivery_count": msg.info.deliveryCount,
    };
    await tracer.startActiveSpan(`${name} process`, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
      let disposition = await dispose(msg, span);
      if (disposition.kind === "nak" && drainExpired) disposition = { kind: "nak", delayMs: 0 };
      if (!abandoned.has(msg)) settle(msg, disposition, options.logger);
      span.setAttribute("messaging.disposition", disposition.kind);
      span.end();
    });
  }

  async function dispose(msg: JsMsg, span: Span): Promise<Disposition> {
    let event: MessageShape<D>;
    try {
      event = fromBinary(options.schema, msg.data);
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: "undecodable message" });
      return deadLetter(msg, "undecodable", error);
    }
    try {
      return await options.handle(event, {
        subject: msg.subject,
        deliveryCount: msg.info.deliveryCount,
        streamSequence: msg.info.streamSequence,
        working: () => msg.working(),
      });
    } catch (error) {
      span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).name });
      const limit = options.definition.deadLetterAfterDeliveries;
      if (limit !== undefined && msg.info.deliveryCount >= limit) return deadLetter(msg, "handler_failed", error);
      options.logger.error({ err: error, subject: msg.subject }, "event handler failed; will redeliver");
      return { kind: "nak", delayMs: Math.min(30_000, 500 * 2 ** Math.min(msg.info.deliveryCount, 6)) };
    }
  }

  /** Terminates `msg` once its copy is on the dead-letter stream; redelivers it if the copy failed. */
  async function deadLetter(msg: JsMsg, reason: DeadLetterReason, error: unknown): Promise<Disposition> {
    try {
      await options.deadLetters.keep(msg, origin, reason, error);
      return { kind: "term", reason: `moved to the dead letters (${reason})` };
    } catch (keepError) {
      const facts = { err: keepError, consumer: name, subject: msg.subject, reason };
      options.logger.error(facts, "could not store a dead letter; will redeliver");
      return { kind: "nak", delayMs: DEAD_LETTER_RETRY_MS };
    }
  }

  return {
    async stop(drain) {
      const deadline = drain ? Date.now() + drain.timeoutMs : undefined;
      stopped = true;
      stopRequested();
      void messages?.close();
      // The pull loop ends promptly once stopped, unless NATS is unreachable: do not wait past the deadline then.
      if (deadline === undefined) await loop;
      else await settlesWithin(loop, deadline - Date.now());
      const all = Promise.allSettled([...inFlight.keys()]);
      const drained = deadline === undefined || (await settlesWithin(all, deadline - Date.now()));
      if (drained) return { interrupted: 0, abandoned: 0 };
      const interrupted = inFlight.size;
      drainExpired = true;
      drain?.onTimeout?.();
      if (await settlesWithin(all, drain?.graceMs ?? DEFAULT_GRACE_MS)) return { interrupted, abandoned: 0 };
      const stuck = [...inFlight.values()];
      for (const msg of stuck) {
        abandoned.add(msg);
        msg.nak();
      }
      const facts = { consumer: name, count: stuck.length };
      options.logger.warn(facts, "handlers did not finish in time; their messages were handed back");
      return { interrupted, abandoned: stuck.length };
    },
  };
}

async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))));
  try {
    return await Promise.race([promise.then(() => true as const), expired]);
  } finally {
    clearTimeout(timer);
  }
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
      // No reason on the wire: nats-server before 2.10 ignores "+TERM <reason>", leaving the message pending.
      msg.term();
      return;
  }
}
