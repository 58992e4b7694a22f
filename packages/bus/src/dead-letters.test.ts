import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { beforeAll, describe, expect, it } from "vitest";
import type { DescMessage, MessageInitShape } from "@bufbuild/protobuf";
import { create, toBinary } from "@bufbuild/protobuf";
import { AckPolicy, DeliverPolicy, jetstream, type JetStreamManager } from "@nats-io/jetstream";
import { headers as natsHeaders } from "@nats-io/nats-core";
import { ConnectionChangeEventSchema } from "@syncline/gen/syncline/events/v1/connection_events_pb.js";
import { SourceChangeEventSchema, type SourceChangeEvent } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { SyncRunRequestSchema, SyncRunResultSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import { createLogger, createMetricsRegistry, type MetricsRegistry } from "@syncline/telemetry";
import { useSystem } from "@syncline/test/support/use-system.ts";
import {
  consumers,
  createDeadLetters,
  deadLetterHeaders,
  ensureTopology,
  startConsumer,
  streams,
  subjects,
  type ConsumerDefinition,
  type DeadLetters,
  type Delivery,
  type Disposition,
  type NatsConnection,
} from "./index.ts";

const system = useSystem({ name: "dead-letters-test", bus: true });
let nc: NatsConnection;
let jsm: JetStreamManager;
let registry: MetricsRegistry;
let deadLetters: DeadLetters;
const logger = createLogger("dead-letters-test", "silent");
/** Field 1 with wire type 7, which does not exist: no protobuf message decodes it. */
const garbage = new Uint8Array([0x0f, 0xff, 0xff, 0x01]);

beforeAll(async () => {
  nc = system.bus;
  jsm = await ensureTopology(nc, {
    streams: [
      streams.sourceEvents,
      streams.runRequests,
      streams.runResults,
      streams.connectionEvents,
      streams.deadLetters,
    ],
    consumers: [
      consumers.orchestratorSourceEvents,
      consumers.orchestratorRunResults,
      consumers.orchestratorConnectionEvents,
      consumers.connectorWorkerRuns,
    ],
  });
  registry = createMetricsRegistry();
  deadLetters = createDeadLetters({ nc, metrics: registry, logger });
}, 30_000);

/** Creates a durable consumer `name` of new source events that dead-letters after `deliveries` deliveries. */
async function sourceEventsConsumer(name: string, deliveries: number): Promise<ConsumerDefinition> {
  const definition: ConsumerDefinition = {
    stream: streams.sourceEvents.name,
    config: {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.New,
      ack_wait: 30_000_000_000,
      max_deliver: -1,
    },
    deadLetterAfterDeliveries: deliveries,
  };
  await ensureTopology(nc, { streams: [], consumers: [definition] });
  return definition;
}

/** Starts a consumer of source events on `definition` running `handle`. */
function consumeSourceEvents(
  definition: ConsumerDefinition,
  handle: (event: SourceChangeEvent, delivery: Delivery) => Promise<Disposition>,
) {
  return startConsumer({ nc, definition, schema: SourceChangeEventSchema, logger, deadLetters, handle });
}

/** Resolves with the first message `handle` sees, then stops the consumer. */
function firstGoodMessage<D extends DescMessage>(definition: ConsumerDefinition, schema: D) {
  const seen: unknown[] = [];
  let stop: () => Promise<unknown> = async () => undefined;
  const done = new Promise<unknown>((resolve) => {
    const consumer = startConsumer({
      nc,
      definition,
      schema,
      logger,
      deadLetters,
      handle: async (event) => {
        seen.push(event);
        resolve(event);
        return { kind: "ack" };
      },
    });
    stop = () => consumer.stop();
  });
  const stopped = done.then(async (event) => {
    await stop();
    return event;
  });
  return { done: stopped, seen };
}

const cases: Array<{
  name: string;
  definition: ConsumerDefinition;
  subject: string;
  schema: DescMessage;
  good: MessageInitShape<DescMessage>;
}> = [
  {
    name: "run requests (worker)",
    definition: consumers.connectorWorkerRuns,
    subject: subjects.runRequest("vault_kv"),
    schema: SyncRunRequestSchema,
    good: { runId: "run-good" },
  },
  {
    name: "source events (orchestrator)",
    definition: consumers.orchestratorSourceEvents,
    subject: subjects.sourceChange("p1", "dev"),
    schema: SourceChangeEventSchema,
    good: { eventId: "event-good" },
  },
  {
    name: "run results (orchestrator)",
    definition: consumers.orchestratorRunResults,
    subject: subjects.runResult,
    schema: SyncRunResultSchema,
    good: { runId: "run-good" },
  },
  {
    name: "connection events (orchestrator)",
    definition: consumers.orchestratorConnectionEvents,
    subject: subjects.connectionChange("p1"),
    schema: ConnectionChangeEventSchema,
    good: { eventId: "event-good" },
  },
];

describe("dead letters", () => {
  for (const { name, definition, subject, schema, good } of cases) {
    it(`terminates and keeps an undecodable message on ${name}, then handles the next one`, {
      timeout: 60_000,
    }, async () => {
      const js = jetstream(nc);
      const consumerName = definition.config.durable_name;
      const headers = natsHeaders();
      headers.set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
      const bad = await js.publish(subject, garbage, { msgID: `garbage-${consumerName}`, headers });
      await js.publish(subject, toBinary(schema, create(schema, good)), { msgID: `good-${consumerName}` });

      const { done, seen } = firstGoodMessage(definition, schema);
      const event = (await done) as Record<string, unknown>;
      expect(event).toMatchObject(good);
      expect(seen).toHaveLength(1); // the garbage never reached the handler

      const kept = await jsm.streams.getMessage(streams.deadLetters.name, {
        last_by_subj: subjects.deadLetter(consumerName),
      });
      expect(kept?.data).toEqual(garbage);
      expect(kept?.header.get(deadLetterHeaders.stream)).toBe(definition.stream);
      expect(kept?.header.get(deadLetterHeaders.consumer)).toBe(consumerName);
      expect(kept?.header.get(deadLetterHeaders.subject)).toBe(subject);
      expect(kept?.header.get(deadLetterHeaders.sequence)).toBe(String(bad.seq));
      expect(kept?.header.get(deadLetterHeaders.deliveries)).toBe("1");
      expect(kept?.header.get(deadLetterHeaders.reason)).toBe("undecodable");
      expect(kept?.header.get(deadLetterHeaders.error)).toMatch(/\S/);
      expect(kept?.header.get(deadLetterHeaders.msgId)).toBe(`garbage-${consumerName}`);
      expect(kept?.header.get("traceparent")).toBe(headers.get("traceparent"));

      // Terminated, not waiting for redelivery.
      await nc.flush();
      const info = await jsm.consumers.info(definition.stream, consumerName);
      expect(info.num_ack_pending).toBe(0);
      expect(info.num_pending).toBe(0);
      expect(await registry.render()).toContain(
        `syncline_bus_dead_letters_total{consumer="${consumerName}",reason="undecodable"} 1`,
      );
    });
  }

  it("keeps a message whose handler still throws on its last allowed delivery, and only then", {
    timeout: 60_000,
  }, async () => {
    const definition = await sourceEventsConsumer("test-always-failing", 3);
    const subject = subjects.sourceChange("p2", "dev");
    await jetstream(nc).publish(
      subject,
      toBinary(SourceChangeEventSchema, create(SourceChangeEventSchema, { eventId: "poison" })),
    );
    const deliveries: number[] = [];
    const consumer = consumeSourceEvents(definition, async (_event, delivery) => {
      deliveries.push(delivery.deliveryCount);
      throw new Error("database said no");
    });
    const kept = await waitFor(() =>
      jsm.streams
        .getMessage(streams.deadLetters.name, { last_by_subj: subjects.deadLetter("test-always-failing") })
        .catch(() => undefined),
    );
    await consumer.stop();
    await nc.flush();
    expect(deliveries).toEqual([1, 2, 3]);
    expect(kept.header.get(deadLetterHeaders.reason)).toBe("handler_failed");
    expect(kept.header.get(deadLetterHeaders.deliveries)).toBe("3");
    expect(kept.header.get(deadLetterHeaders.error)).toBe("Error: database said no");
    const info = await jsm.consumers.info(definition.stream, "test-always-failing");
    expect(info.num_ack_pending).toBe(0);
    expect(await registry.render()).toContain(
      'syncline_bus_dead_letters_total{consumer="test-always-failing",reason="handler_failed"} 1',
    );
  });
});

describe("dead-letters-cli", () => {
  const cli = (...args: string[]) =>
    promisify(execFile)(process.execPath, [fileURLToPath(new URL("./dead-letters-cli.ts", import.meta.url)), ...args], {
      env: { ...process.env, SYNCLINE_NATS_URL: system.nats.url },
    });

  it("lists dead letters without their payload and replays one to its original subject", {
    timeout: 60_000,
  }, async () => {
    const definition = await sourceEventsConsumer("test-replay", 1);
    let healthy = false;
    const handled: string[] = [];
    const consumer = consumeSourceEvents(definition, async (event) => {
      if (!healthy) throw new Error("outage");
      handled.push(event.eventId);
      return { kind: "ack" };
    });
    await jetstream(nc).publish(
      subjects.sourceChange("p3", "dev"),
      toBinary(
        SourceChangeEventSchema,
        create(SourceChangeEventSchema, { eventId: "replay-me", path: "/canary-path" }),
      ),
    );
    const kept = await waitFor(() =>
      jsm.streams
        .getMessage(streams.deadLetters.name, { last_by_subj: subjects.deadLetter("test-replay") })
        .catch(() => undefined),
    );

    const listed = (await cli("list", "test-replay")).stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ sequence: kept.seq, bytes: kept.data.length });
    expect(listed[0].headers[deadLetterHeaders.reason]).toBe("handler_failed");
    expect(JSON.stringify(listed)).not.toContain("canary-path");

    healthy = true;
    await cli("replay", String(kept.seq));
    await waitFor(async () => (handled.includes("replay-me") ? true : undefined));
    await consumer.stop();
  });
});

async function waitFor<T>(probe: () => Promise<T | undefined | null>): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== null) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
