import { AckPolicy, DeliverPolicy, RetentionPolicy, StorageType, type ConsumerConfig, type StreamConfig } from "@nats-io/jetstream";

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
} as const satisfies Record<string, Partial<StreamConfig> & { name: string; subjects: string[] }>;

/** A durable pull consumer bound to one stream. */
export interface ConsumerDefinition {
  readonly stream: string;
  readonly config: Partial<ConsumerConfig> & { durable_name: string; ack_wait: number };
}

/** The durable consumers of Syncline: explicit ack, redelivered after `ack_wait` without an ack. */
export const consumers = {
  /** The orchestrator turns change events into run requests. */
  orchestratorSourceEvents: {
    stream: streams.sourceEvents.name,
    config: { durable_name: "sync-orchestrator-source-events", ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: 30 * SECOND_NS, max_deliver: -1, max_ack_pending: 1000 },
  },
  /** The orchestrator records run progress and outcomes. */
  orchestratorRunResults: {
    stream: streams.runResults.name,
    config: { durable_name: "sync-orchestrator-run-results", ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: 30 * SECOND_NS, max_deliver: -1, max_ack_pending: 1000 },
  },
  /** The orchestrator runs the syncs of a connection whose credentials changed. */
  orchestratorConnectionEvents: {
    stream: streams.connectionEvents.name,
    config: { durable_name: "sync-orchestrator-connection-events", ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: 30 * SECOND_NS, max_deliver: -1, max_ack_pending: 1000 },
  },
  /**
   * Connector workers pull run requests; a run that outlives ack_wait is kept alive with
   * `working()`. A short ack_wait bounds how long a request pulled by a worker that died waits
   * before another worker gets it.
   */
  connectorWorkerRuns: {
    stream: streams.runRequests.name,
    config: { durable_name: "connector-worker-runs", ack_policy: AckPolicy.Explicit, deliver_policy: DeliverPolicy.All, ack_wait: 10 * SECOND_NS, max_deliver: -1, max_ack_pending: 1000 },
  },
} as const satisfies Record<string, ConsumerDefinition>;
