import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { ConsumerDefinition } from "./topology.ts";
import type { streams as allStreams } from "./topology.ts";

type StreamDefinition = (typeof allStreams)[keyof typeof allStreams];

/**
 * Creates or updates the given streams and durable consumers. Idempotent, so every service calls
 * it at start for what it publishes to and consumes from, in any start order.
 */
export async function ensureTopology(
  nc: NatsConnection,
  wanted: { streams: readonly StreamDefinition[]; consumers: readonly ConsumerDefinition[] },
): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  for (const stream of wanted.streams) {
    try {
      await jsm.streams.info(stream.name);
      await jsm.streams.update(stream.name, { ...stream, subjects: [...stream.subjects] });
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await addIgnoringRace(() => jsm.streams.add({ ...stream, subjects: [...stream.subjects] }));
    }
  }
  for (const consumer of wanted.consumers) {
    try {
      const info = await jsm.consumers.info(consumer.stream, consumer.config.durable_name);
      if (info.config.ack_wait !== consumer.config.ack_wait) {
        await jsm.consumers.update(consumer.stream, consumer.config.durable_name, {
          ack_wait: consumer.config.ack_wait,
        });
      }
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await addIgnoringRace(() => jsm.consumers.add(consumer.stream, consumer.config));
    }
  }
  return jsm;
}

function isNotFound(error: unknown): boolean {
  const e = error as { code?: string | number; message?: string; name?: string };
  return (
    e?.name === "StreamNotFoundError" ||
    e?.name === "ConsumerNotFoundError" ||
    /not found/i.test(e?.message ?? "") ||
    e?.code === 404 ||
    e?.code === "404"
  );
}

async function addIgnoringRace(add: () => Promise<unknown>): Promise<void> {
  try {
    await add();
  } catch (error) {
    // Another replica created it between our check and our add.
    if (!/already in use|already exists/i.test((error as Error).message ?? "")) throw error;
  }
}
