import { beforeAll, describe, expect, it } from "vitest";
import { create, toBinary } from "@bufbuild/protobuf";
import { AckPolicy, DeliverPolicy, jetstream, RetentionPolicy, StorageType } from "@nats-io/jetstream";
import { SourceChangeEventSchema, type SourceChangeEvent } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { createLogger } from "@syncline/telemetry";
import { useSystem } from "@syncline/test/support/use-system.ts";
import {
  createDeadLetters,
  ensureTopology,
  startConsumer,
  streams,
  type ConsumerDefinition,
  type Delivery,
  type Disposition,
  type NatsConnection,
} from "./index.ts";

/**
 * A bounded stop: no new messages once stopping, in-flight ones get the drain time, then their work
 * is aborted and what is unfinished goes back to the stream at once — not after ack_wait, which is
 * set far beyond the test's timeout here so that only a prompt hand-back lets the test pass.
 */
const system = useSystem({ name: "consumer-drain-test", bus: true });
let nc: NatsConnection;
const logger = createLogger("consumer-drain-test", "silent");
const stream = {
  name: "TEST_DRAIN",
  subjects: ["test.drain.>"],
  retention: RetentionPolicy.Workqueue,
  storage: StorageType.Memory,
};
const definition: ConsumerDefinition = {
  stream: stream.name,
  config: {
    durable_name: "test-drain",
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: 600 * 1_000_000_000,
    max_deliver: -1,
  },
};

beforeAll(async () => {
  nc = system.bus;
  const testStream = stream as unknown as typeof streams.sourceEvents;
  await ensureTopology(nc, { streams: [testStream, streams.deadLetters], consumers: [definition] });
}, 30_000);

const publish = (eventId: string) => {
  const bytes = toBinary(SourceChangeEventSchema, create(SourceChangeEventSchema, { eventId }));
  return jetstream(nc).publish("test.drain.x", bytes);
};

/** Starts a consumer of the test stream running `handle` with `concurrency` handlers at once. */
function consume(handle: (event: SourceChangeEvent, delivery: Delivery) => Promise<Disposition>, concurrency?: number) {
  const deadLetters = createDeadLetters({ nc, logger });
  return startConsumer({ nc, definition, schema: SourceChangeEventSchema, logger, deadLetters, concurrency, handle });
}

/** Starts a consumer whose handler waits for `release` (or the abort) before answering. */
function hangingConsumer(options: { honourAbort: boolean }) {
  const started: string[] = [];
  const abort = new AbortController();
  let firstStarted!: () => void;
  const running = new Promise<void>((resolve) => (firstStarted = resolve));
  const consumer = consume(async (event) => {
    started.push(event.eventId);
    firstStarted();
    await new Promise<void>((resolve) => {
      if (options.honourAbort) abort.signal.addEventListener("abort", () => resolve());
    });
    // A handler that gives up asks for a late retry; the stopping consumer makes it immediate.
    return { kind: "nak", delayMs: 600_000 };
  }, 2);
  return { consumer, started, running, abort };
}

/** Handles whatever the stream redelivers and resolves with the event ids and their delivery counts. */
function collect(expected: number) {
  const seen: Array<{ id: string; count: number }> = [];
  return new Promise<typeof seen>((resolve) => {
    const consumer = consume(async (event, delivery) => {
      seen.push({ id: event.eventId, count: delivery.deliveryCount });
      if (seen.length === expected) queueMicrotask(() => void consumer.stop().then(() => resolve(seen)));
      return { kind: "ack" };
    }, 4);
  });
}

describe("bounded stop", () => {
  it("aborts handlers still running after the drain time and hands them back at once", {
    timeout: 120_000,
  }, async () => {
    await publish("a");
    await publish("b");
    const hanging = hangingConsumer({ honourAbort: true });
    await hanging.running;
    let timedOut = false;
    const onTimeout = () => {
      timedOut = true;
      hanging.abort.abort();
    };
    const outcome = await hanging.consumer.stop({ timeoutMs: 200, onTimeout });
    expect(timedOut).toBe(true);
    expect(outcome).toEqual({ interrupted: hanging.started.length, abandoned: 0 });

    const seen = await collect(2);
    expect(seen.map((s) => s.id).sort()).toEqual(["a", "b"]);
  });

  it("hands back messages whose handler ignores the abort after the grace time", { timeout: 120_000 }, async () => {
    await publish("c");
    const hanging = hangingConsumer({ honourAbort: false });
    await hanging.running;
    const onTimeout = () => hanging.abort.abort();
    const outcome = await hanging.consumer.stop({ timeoutMs: 100, graceMs: 100, onTimeout });
    expect(outcome).toEqual({ interrupted: 1, abandoned: 1 });
    const seen = await collect(1);
    expect(seen).toEqual([{ id: "c", count: 2 }]);
  });

  it("waits for handlers that finish within the drain time and does not abort them", { timeout: 120_000 }, async () => {
    await publish("d");
    let aborted = false;
    let handled = 0;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const consumer = consume(async () => {
      started();
      await new Promise((resolve) => setTimeout(resolve, 300));
      handled++;
      return { kind: "ack" };
    });
    await running;
    const outcome = await consumer.stop({ timeoutMs: 60_000, onTimeout: () => (aborted = true) });
    expect(outcome).toEqual({ interrupted: 0, abandoned: 0 });
    expect(aborted).toBe(false);
    expect(handled).toBe(1);
  });
});
