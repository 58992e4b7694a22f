import { jetstreamManager, type JetStreamManager, type StreamConfig, type StreamInfo } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import type { Logger } from "@syncline/telemetry";
import type { ConsumerDefinition } from "./topology.ts";
import type { streams as allStreams } from "./topology.ts";

type StreamDefinition = (typeof allStreams)[keyof typeof allStreams];

/** How the streams are stored across a JetStream cluster. */
export interface TopologySettings {
  /**
   * Copies of each stream (and of its consumers) kept by the cluster: 1 on a single server, 3 on a
   * cluster of three (`SYNCLINE_NATS_REPLICAS`). A stream with fewer is scaled up where the server
   * allows it; one with more keeps them (a service started without the setting never shrinks them).
   */
  readonly replicas?: number;
  /** Told when a stream cannot be scaled or keeps more replicas than asked for. */
  readonly logger?: Pick<Logger, "warn">;
}

/**
 * How long one JetStream API call of the topology waits for its answer. Creating or scaling a
 * replicated stream waits for its RAFT group, which can take longer than the client's 5 s default
 * on a busy cluster.
 */
const TOPOLOGY_API_TIMEOUT_MS = 30_000;
/**
 * How long a request about a consumer waits before it is asked again. While its stream is being
 * scaled up, nats-server 2.9 drops requests about the consumer (no answer at all, not an error);
 * the same request a moment later is answered.
 */
const CONSUMER_REQUEST_TIMEOUT_MS = 2_000;

/**
 * Creates or updates the given streams and durable consumers. Idempotent, so every service calls
 * it at start for what it publishes to and consumes from, in any start order.
 */
export async function ensureTopology(
  nc: NatsConnection,
  wanted: { streams: readonly StreamDefinition[]; consumers: readonly ConsumerDefinition[] },
  settings: TopologySettings = {},
): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc, { timeout: TOPOLOGY_API_TIMEOUT_MS });
  const replicas = settings.replicas ?? 1;
  for (const stream of wanted.streams) {
    const config: Partial<StreamConfig> & { name: string } = { ...stream, subjects: [...stream.subjects] };
    let info: StreamInfo;
    try {
      info = await jsm.streams.info(stream.name);
    } catch (error) {
      if (!isNotFound(error)) throw error;
      await addIgnoringRace(() => jsm.streams.add({ ...config, num_replicas: replicas })).catch((cause) => {
        throw replicasRefused(stream.name, replicas, cause);
      });
      continue;
    }
    // A single server accepts a replica count it cannot keep on an update (2.9): scale only in a cluster.
    const scalable = nc.info?.cluster !== undefined;
    await updateStream(jsm, info, config, scalable ? replicas : 1, settings.logger);
    if (!scalable && replicas > 1) {
      settings.logger?.warn(
        { stream: stream.name, asked: replicas },
        "not a JetStream cluster: the stream keeps one copy",
      );
    }
  }
  const consumers = await jetstreamManager(nc, { timeout: CONSUMER_REQUEST_TIMEOUT_MS });
  for (const consumer of wanted.consumers) {
    await askedAgainWhenUnanswered(() => ensureConsumer(consumers, consumer), TOPOLOGY_API_TIMEOUT_MS);
  }
  return jsm;
}

/** Creates the durable consumer, or brings an existing one's ack wait to its definition. */
async function ensureConsumer(jsm: JetStreamManager, consumer: ConsumerDefinition): Promise<void> {
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

/**
 * Runs an idempotent JetStream request again while it goes unanswered (a timeout, never an error
 * the server sent), until `budgetMs` has passed; then the last timeout is thrown.
 */
async function askedAgainWhenUnanswered<T>(request: () => Promise<T>, budgetMs: number): Promise<T> {
  const deadline = Date.now() + budgetMs;
  for (;;) {
    try {
      return await request();
    } catch (error) {
      if ((error as Error)?.name !== "TimeoutError" || Date.now() >= deadline) throw error;
    }
  }
}

/**
 * Updates an existing stream to its definition, scaling it up to `replicas` when it has fewer. A
 * refused scale-up (a server that is not clustered, too few peers up) leaves the stream as it was
 * and says so, rather than stopping the service.
 */
async function updateStream(
  jsm: JetStreamManager,
  info: StreamInfo,
  config: Partial<StreamConfig> & { name: string },
  replicas: number,
  logger: Pick<Logger, "warn"> | undefined,
): Promise<void> {
  const current = info.config.num_replicas || 1;
  if (current > replicas) {
    logger?.warn({ stream: config.name, replicas: current, asked: replicas }, "stream keeps its larger replica count");
  }
  if (current >= replicas) {
    await jsm.streams.update(config.name, config);
    return;
  }
  try {
    await jsm.streams.update(config.name, { ...config, num_replicas: replicas });
  } catch (error) {
    logger?.warn(
      { stream: config.name, replicas: current, asked: replicas, err: error },
      "the server refused to scale the stream; it keeps its replicas",
    );
    await jsm.streams.update(config.name, config);
  }
}

/** A creation the server refused, saying which setting to look at when replicas were asked for. */
function replicasRefused(stream: string, replicas: number, cause: unknown): Error {
  if (replicas <= 1) return cause as Error;
  const message = (cause as Error).message ?? String(cause);
  return new Error(
    `cannot create stream ${stream} with ${replicas} replicas (${message}); SYNCLINE_NATS_REPLICAS must not exceed ` +
      "the number of JetStream servers in the cluster (1 for a single server)",
    { cause },
  );
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
