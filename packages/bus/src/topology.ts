import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type StreamConfig,
} from "@nats-io/jetstream";

const SECOND_NS = 1_000_000_000;

/** Subjects, in one place. Tokens are ids and slugs, which never contain dots or wildcards. */
export const subjects = {
  /** Secret change events of one project environment. */
  sourceChange: (projectId: string, environment: string) => `syncline.events.secrets.${projectId}.${environment}`,
  /** Run requests for one destination kind (lets a deployment dedicate workers to kinds). */
  runRequest: (destinationKind: string) => `syncline.runs.requests.${destinationKind}`,
  /** Progress and outcomes of runs. */
  runResult: "syncline.runs.results",
  /** Changes of one project's app connections (credentials updated, deleted). */
  connectionChange: (projectId: string) => `syncline.events.connections.${projectId}`,
  /** Plan requests (core NATS request/reply, queue group `connector-workers`) for one destination kind. */
  planRequest: (destinationKind: string) => `syncline.plans.${destinationKind}`,
  /** Messages a durable consumer gave up on (undecodable, or failing without end), by consumer name. */
  deadLetter: (consumer: string) => `syncline.dead_letters.${consumer}`,
} as const;

/** Queue group of connector workers answering plan requests. */
export const PLAN_QUEUE_GROUP = "connector-workers";

/** The JetStream streams of Syncline. */
export const streams = {
  /** Change events from the secrets service outbox; kept a week for replay, deduplicated by outbox id. */
  sourceEvents: {
    name: "SYNCLINE_SOURCE_EVENTS",
    subjects: ["syncline.events.secrets.>"],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: 7 * 24 * 3600 * SECOND_NS,
    duplicate_window: 120 * SECOND_NS,
  },
  /** Run requests; a work queue: each request is removed once a worker acks it. */
  runRequests: {
    name: "SYNCLINE_RUN_REQUESTS",
    subjects: ["syncline.runs.requests.>"],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: 120 * SECOND_NS,
  },
  /** Run results for the orchestrator; a work queue as well. */
  runResults: {
    name: "SYNCLINE_RUN_RESULTS",
    subjects: ["syncline.runs.results"],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: 120 * SECOND_NS,
  },
  /** Connection change events from the connections service outbox. */
  connectionEvents: {
    name: "SYNCLINE_CONNECTION_EVENTS",
    subjects: ["syncline.events.connections.>"],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: 7 * 24 * 3600 * SECOND_NS,
    duplicate_window: 120 * SECOND_NS,
  },
  /**
   * Dead letters: the raw bytes and headers of messages a consumer terminated, kept 14 days (at
   * most 1 GiB, oldest dropped first) for inspection and replay. Nothing consumes it.
   */
  deadLetters: {
    name: "SYNCLINE_DEAD_LETTERS",
    subjects: ["syncline.dead_letters.>"],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    max_age: 14 * 24 * 3600 * SECOND_NS,
    max_bytes: 1024 * 1024 * 1024,
    discard: DiscardPolicy.Old,
    duplicate_window: 120 * SECOND_NS,
  },
} as const satisfies Record<string, Partial<StreamConfig> & { name: string; subjects: string[] }>;

/** A durable pull consumer bound to one stream. */
export interface ConsumerDefinition {
  readonly stream: string;
  readonly config: Partial<ConsumerConfig> & { durable_name: string; ack_wait: number };
  /**
   * A message whose handler throws on this many deliveries goes to the dead letters; unset: never
   * (the message is redelivered with backoff until handled). Undecodable messages go at once.
   */
  readonly deadLetterAfterDeliveries?: number;
}

/**
 * Deliveries after which an orchestrator message whose handler keeps throwing is dead-lettered:
 * with the consumer's backoff capped at 30 s, about 8 hours of failing — longer than a database
 * outage should last, short enough that a poison message stops being retried the same day.
 */
const ORCHESTRATOR_DEAD_LETTER_AFTER = 1000;

/**
 * The durable consumers of Syncline: explicit ack, redelivered after `ack_wait` without an ack.
 * `max_deliver` stays unlimited: at the server's limit a message would only stop being delivered
 * (an advisory, no copy); the consumer loop (consumer.ts) instead moves undecodable messages, and
 * those failing past `deadLetterAfterDeliveries`, to the dead-letter stream with their bytes.
 */
export const consumers = {
  /** The orchestrator turns change events into run requests. */
  orchestratorSourceEvents: {
    stream: streams.sourceEvents.name,
    config: {
      durable_name: "sync-orchestrator-source-events",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30 * SECOND_NS,
      max_deliver: -1,
      max_ack_pending: 1000,
    },
    deadLetterAfterDeliveries: ORCHESTRATOR_DEAD_LETTER_AFTER,
  },
  /** The orchestrator records run progress and outcomes. */
  orchestratorRunResults: {
    stream: streams.runResults.name,
    config: {
      durable_name: "sync-orchestrator-run-results",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30 * SECOND_NS,
      max_deliver: -1,
      max_ack_pending: 1000,
    },
    deadLetterAfterDeliveries: ORCHESTRATOR_DEAD_LETTER_AFTER,
  },
  /** The orchestrator runs the syncs of a connection whose credentials changed. */
  orchestratorConnectionEvents: {
    stream: streams.connectionEvents.name,
    config: {
      durable_name: "sync-orchestrator-connection-events",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 30 * SECOND_NS,
      max_deliver: -1,
      max_ack_pending: 1000,
    },
    deadLetterAfterDeliveries: ORCHESTRATOR_DEAD_LETTER_AFTER,
  },
  /**
   * Connector workers pull run requests; a run that outlives ack_wait is kept alive with
   * `working()`. A short ack_wait bounds how long a request pulled by a worker that died waits
   * before another worker gets it. Never dead-lettered for failing: run requests are nakked many
   * times legitimately (BUSY, open breaker, rate limits), a failing run ends FAILED after the
   * worker's attempt budget, and what still throws (results cannot be published) is the bus
   * itself failing — losing a run request would be worse than redelivering it.
   */
  connectorWorkerRuns: {
    stream: streams.runRequests.name,
    config: {
      durable_name: "connector-worker-runs",
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: 10 * SECOND_NS,
      max_deliver: -1,
      max_ack_pending: 1000,
    },
  },
} as const satisfies Record<string, ConsumerDefinition>;
