import { consumers, PLAN_QUEUE_GROUP, streams, subjects, type ConsumerDefinition } from "./topology.ts";

/** The NATS users of a Syncline deployment: one per service, all workers share one. */
export const busUsers = ["secrets", "connections", "orchestrator", "worker"] as const;
/** One of {@link busUsers}. */
export type BusUser = (typeof busUsers)[number];

/** What a user may publish and subscribe to (nats-server `permissions`). */
export interface SubjectPermissions {
  readonly publish: readonly string[];
  readonly subscribe: readonly string[];
  /** May answer the requests it receives (core request/reply; each reply subject once). */
  readonly allowResponses: boolean;
}

type Stream = (typeof streams)[keyof typeof streams];

/** The inbox prefix of `user`: replies to its requests (JetStream API, pulls, publish acks) land only there. */
export function inboxPrefixOf(user: string): string {
  return `_INBOX_${user}`;
}

const API = "$JS.API";

/** Look up, create and update `stream` (ensureTopology at start). */
function manageStream(stream: Stream): string[] {
  return ["INFO", "CREATE", "UPDATE"].map((verb) => `${API}.STREAM.${verb}.${stream.name}`);
}

/** Look up, create and update the durable `consumer` (ensureTopology at start). */
function manageConsumer({ stream, config }: ConsumerDefinition): string[] {
  const name = config.durable_name;
  return [
    `${API}.CONSUMER.INFO.${stream}.${name}`,
    `${API}.CONSUMER.CREATE.${stream}.${name}`,
    `${API}.CONSUMER.CREATE.${stream}.${name}.>`,
    `${API}.CONSUMER.DURABLE.CREATE.${stream}.${name}`,
  ];
}

/** Pull from, acknowledge on, and dead-letter the messages of `consumer`. */
function consume({ stream, config }: ConsumerDefinition): string[] {
  const name = config.durable_name;
  return [
    `${API}.CONSUMER.INFO.${stream}.${name}`,
    `${API}.CONSUMER.MSG.NEXT.${stream}.${name}`,
    `$JS.ACK.${stream}.${name}.>`,
    subjects.deadLetter(name),
  ];
}

/** Subjects every user publishes to: the JetStream account check made when a client starts. */
const common = [`${API}.INFO`];

/** The allow lists of one user, from the streams it manages, the subjects it publishes and the consumers it runs. */
function permissions(
  user: BusUser,
  parts: {
    manages: readonly Stream[];
    managesConsumers?: readonly ConsumerDefinition[];
    consumes?: readonly ConsumerDefinition[];
    publishes: readonly string[];
    subscribes?: readonly string[];
    answersRequests?: boolean;
  },
): SubjectPermissions {
  const publish = new Set([
    ...common,
    ...parts.manages.flatMap(manageStream),
    ...(parts.managesConsumers ?? []).flatMap(manageConsumer),
    ...(parts.consumes ?? []).flatMap(consume),
    ...parts.publishes,
  ]);
  return {
    publish: [...publish],
    subscribe: [`${inboxPrefixOf(user)}.>`, ...(parts.subscribes ?? [])],
    allowResponses: parts.answersRequests ?? false,
  };
}

const orchestratorConsumers = [
  consumers.orchestratorSourceEvents,
  consumers.orchestratorRunResults,
  consumers.orchestratorConnectionEvents,
];

/**
 * Least privilege on the bus, derived from topology.ts so it cannot drift from the subjects in
 * use: the secrets and connections services only publish their own change events; the
 * orchestrator publishes run requests and plan requests and consumes events and results; workers
 * publish run results and answer plan requests. Nobody else can forge a source event or a run
 * result. Each service manages the streams and consumers its `ensureTopology` call names.
 */
export const busPermissions: Record<BusUser, SubjectPermissions> = {
  secrets: permissions("secrets", {
    manages: [streams.sourceEvents],
    publishes: [...streams.sourceEvents.subjects],
  }),
  connections: permissions("connections", {
    manages: [streams.connectionEvents],
    publishes: [...streams.connectionEvents.subjects],
  }),
  orchestrator: permissions("orchestrator", {
    manages: [
      streams.sourceEvents,
      streams.runRequests,
      streams.runResults,
      streams.connectionEvents,
      streams.deadLetters,
    ],
    managesConsumers: [...orchestratorConsumers, consumers.connectorWorkerRuns],
    consumes: orchestratorConsumers,
    publishes: [...streams.runRequests.subjects, subjects.planRequest("*")],
  }),
  worker: permissions("worker", {
    manages: [streams.runRequests, streams.runResults, streams.deadLetters],
    managesConsumers: [consumers.connectorWorkerRuns],
    consumes: [consumers.connectorWorkerRuns],
    publishes: [subjects.runResult],
    subscribes: [`${subjects.planRequest("*")} ${PLAN_QUEUE_GROUP}`],
    answersRequests: true,
  }),
};
