export { outboxTable, type OutboxTable } from "./outbox-table.ts";
export { enqueueEvent, enqueueEncoded, enqueueEncodedMany } from "./outbox-writer.ts";
export { createOutboxRelay, type OutboxRelay } from "./outbox-relay.ts";
