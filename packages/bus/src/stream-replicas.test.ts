import { beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from "@nats-io/jetstream";
import { AckPolicy } from "@nats-io/jetstream";
import { createLogger } from "@syncline/telemetry";
import { eventually } from "@syncline/test/support/eventually.ts";
import { useSystem } from "@syncline/test/support/use-system.ts";
import { ensureTopology, type ConsumerDefinition } from "./index.ts";

/**
 * Stream replicas on a 3-node JetStream cluster (SYNCLINE_NATS_REPLICAS): streams are created with
 * the asked-for copies, an existing single-copy stream is scaled up with its consumers, and a
 * service started without the setting never shrinks a replicated stream.
 */
const system = useSystem({ name: "bus-stream-replicas", nats: "cluster", bus: true });
const logger = createLogger("bus-stream-replicas", "silent");
let jsm: JetStreamManager;

beforeAll(async () => {
  jsm = await jetstreamManager(system.bus, { timeout: 2_000 });
});

/** A stream and consumer shaped like Syncline's, under a name of the test's own. */
function topologyNamed(name: string) {
  const stream = {
    name,
    subjects: [`test.${name.toLowerCase()}.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
  };
  const consumer: ConsumerDefinition = {
    stream: name,
    config: { durable_name: `${name.toLowerCase()}-reader`, ack_policy: AckPolicy.Explicit, ack_wait: 10_000_000_000 },
  };
  // ensureTopology takes Syncline's own stream definitions; these have the same shape.
  return { streams: [stream] as never[], consumers: [consumer] };
}

/**
 * How many nodes hold the stream and the consumer (leader and replicas), once they report it. A
 * request the cluster leaves unanswered while it moves the consumer is asked again.
 */
async function copies(stream: string, consumer: string) {
  return eventually(async () => {
    const answered = <T>(request: Promise<T>) =>
      request.catch((error: Error) => {
        if (error.name === "TimeoutError") return undefined;
        throw error;
      });
    const streamInfo = await answered(jsm.streams.info(stream));
    const consumerInfo = await answered(jsm.consumers.info(stream, consumer));
    if (!streamInfo || !consumerInfo) return undefined;
    const count = (cluster: { leader?: string; replicas?: unknown[] } | undefined) =>
      cluster?.leader ? 1 + (cluster.replicas?.length ?? 0) : 0;
    return {
      configured: streamInfo.config.num_replicas,
      stream: count(streamInfo.cluster),
      consumer: count(consumerInfo.cluster),
    };
  });
}

describe("stream replicas on a JetStream cluster", () => {
  it("creates streams with a copy on each of the three nodes, consumers included", async () => {
    const wanted = topologyNamed("REPLICAS_NEW");
    await ensureTopology(system.bus, wanted, { replicas: 3, logger });
    expect(await copies("REPLICAS_NEW", "replicas_new-reader")).toEqual({ configured: 3, stream: 3, consumer: 3 });
  });

  it("scales an existing single-copy stream and its consumer up to three copies", async () => {
    const wanted = topologyNamed("REPLICAS_SCALED");
    await ensureTopology(system.bus, wanted, { replicas: 1, logger });
    expect(await copies("REPLICAS_SCALED", "replicas_scaled-reader")).toEqual({
      configured: 1,
      stream: 1,
      consumer: 1,
    });
    await ensureTopology(system.bus, wanted, { replicas: 3, logger });
    const scaled = await eventually(async () => {
      const now = await copies("REPLICAS_SCALED", "replicas_scaled-reader");
      return now.stream === 3 && now.consumer === 3 ? now : undefined;
    });
    expect(scaled.configured).toBe(3);
  });

  it("keeps three copies when a service without the setting (one copy) starts", async () => {
    const wanted = topologyNamed("REPLICAS_KEPT");
    await ensureTopology(system.bus, wanted, { replicas: 3, logger });
    await ensureTopology(system.bus, wanted, { logger });
    expect((await copies("REPLICAS_KEPT", "replicas_kept-reader")).configured).toBe(3);
  });
});
