import { beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { SourceChangeEventSchema, type SourceChangeEvent } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { createLogger } from "@syncline/telemetry";
import { useSystem } from "@syncline/test/support/use-system.ts";
import {
  consumers,
  createDeadLetters,
  createEventPublisher,
  ensureTopology,
  startConsumer,
  streams,
  subjects,
  type NatsConnection,
} from "./index.ts";

const system = useSystem({ name: "bus-test", bus: true });
let nc: NatsConnection;
const logger = createLogger("bus-test", "silent");

beforeAll(async () => {
  nc = system.bus;
  await ensureTopology(nc, { streams: [streams.sourceEvents], consumers: [consumers.orchestratorSourceEvents] });
});

describe("bus", () => {
  it("publishes typed events once per msg id and redelivers until acked", async () => {
    const publisher = createEventPublisher(nc);
    const subject = subjects.sourceChange("p1", "dev");
    const event = { eventId: "e1", projectId: "p1", environment: "dev", path: "/", revision: 3n };
    const first = await publisher.publish(subject, SourceChangeEventSchema, event, { msgId: "e1" });
    const again = await publisher.publish(subject, SourceChangeEventSchema, event, { msgId: "e1" });
    expect(first.duplicate).toBe(false);
    expect(again.duplicate).toBe(true);
    const info = await (await jetstreamManager(nc)).streams.info(streams.sourceEvents.name);
    expect(info.state.messages).toBe(1);

    const seen: { event: SourceChangeEvent; count: number }[] = [];
    const done = new Promise<void>((resolve) => {
      const consumer = startConsumer({
        nc,
        definition: consumers.orchestratorSourceEvents,
        schema: SourceChangeEventSchema,
        logger,
        deadLetters: createDeadLetters({ nc, logger }),
        handle: async (received, delivery) => {
          seen.push({ event: received, count: delivery.deliveryCount });
          if (delivery.deliveryCount === 1) throw new Error("first attempt fails");
          queueMicrotask(() => void consumer.stop().then(() => resolve()));
          return { kind: "ack" };
        },
      });
    });
    await done;
    expect(seen.map((s) => s.count)).toEqual([1, 2]);
    expect(seen[1]?.event.revision).toBe(3n);
    const consumerInfo = await (await jetstreamManager(nc)).consumers.info(
      streams.sourceEvents.name,
      consumers.orchestratorSourceEvents.config.durable_name,
    );
    expect(consumerInfo.num_ack_pending).toBe(0);
  });

  it("refuses to create a replicated stream on a single server, naming the setting to fix", async () => {
    await expect(
      ensureTopology(nc, { streams: [streams.deadLetters], consumers: [] }, { replicas: 3 }),
    ).rejects.toThrow(/SYNCLINE_DEAD_LETTERS with 3 replicas .*SYNCLINE_NATS_REPLICAS must not exceed/);
  });

  it("leaves an existing stream as it is when a single server refuses to scale it", async () => {
    await ensureTopology(nc, { streams: [streams.sourceEvents], consumers: [] }, { replicas: 3, logger });
    const info = await (await jetstreamManager(nc)).streams.info(streams.sourceEvents.name);
    expect(info.config.num_replicas).toBe(1);
  });
});
