export { subjects, streams, consumers, PLAN_QUEUE_GROUP, type ConsumerDefinition } from "./topology.ts";
export { ensureTopology, type TopologySettings } from "./ensure-topology.ts";
export { createEventPublisher, type EventPublisher } from "./publisher.ts";
export {
  startConsumer,
  type Disposition,
  type Delivery,
  type DrainOptions,
  type DrainOutcome,
  type RunningConsumer,
} from "./consumer.ts";
export {
  createDeadLetters,
  deadLetterHeaders,
  type DeadLetterOrigin,
  type DeadLetterReason,
  type DeadLetters,
} from "./dead-letters.ts";
export { connectBus } from "./connect.ts";
export { natsAccessOptions, type BusAccess } from "./nats-access.ts";
export type { NatsConnection } from "@nats-io/nats-core";
export { traceHeaders, withMessageSpan } from "./trace-headers.ts";
export { busPermissions, busUsers, inboxPrefixOf, type BusUser, type SubjectPermissions } from "./permissions.ts";
export {
  exampleNatsServerConfig,
  natsAuthorization,
  natsServerConfig,
  type NatsServerSettings,
} from "./nats-server-config.ts";
