import type { EventPublisher } from "@syncline/bus";
import type { Database } from "@syncline/db";
import type { Logger } from "@syncline/telemetry";
import { SourceChangeEventSchema } from "@syncline/gen/syncline/events/v1/source_events_pb.js";
import { fromBinary } from "@bufbuild/protobuf";
import { deleteOutboxRows, oldestOutboxRows, tryLockOutbox } from "../store/outbox-store.ts";

const BATCH = 200;

/**
 * Moves committed outbox rows to JetStream. `kick` runs right after a commit so a change is
 * published within milliseconds; the sweeper (every `sweepIntervalMs`) publishes whatever a crash
 * or a broker outage left behind. Rows are deleted only after the stream acknowledged them; a
 * crash in between republishes with the same Nats-Msg-Id, which the stream deduplicates.
 */
export interface OutboxRelay {
  kick(): void;
  start(): void;
  /** Stops the sweeper and waits for a drain in progress. */
  stop(): Promise<void>;
  /** Publishes everything pending now (tests, shutdown). */
  drain(): Promise<void>;
}

export function createOutboxRelay(deps: { db: Database; publisher: EventPublisher; logger: Logger; sweepIntervalMs?: number }): OutboxRelay {
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;

  const drainOnce = async (): Promise<number> =>
    deps.db.transaction(async (tx) => {
      if (!(await tryLockOutbox(tx))) return 0;
      const rows = await oldestOutboxRows(tx, BATCH);
      const published: bigint[] = [];
      for (const row of rows) {
        const event = fromBinary(SourceChangeEventSchema, row.payload);
        await deps.publisher.publish(row.subject, SourceChangeEventSchema, event, { msgId: row.id, traceContext: row.traceContext });
        published.push(row.seq);
      }
      await deleteOutboxRows(tx, published);
      return rows.length;
    });

  const drain = async () => {
    do {
      again = false;
      try {
        while ((await drainOnce()) === BATCH) {
          // Keep going while full batches come back.
        }
      } catch (error) {
        deps.logger.warn({ err: error }, "outbox relay could not publish; the sweeper will retry");
        return;
      }
    } while (again);
  };

  const relay: OutboxRelay = {
    kick() {
      if (running) {
        again = true;
        return;
      }
      running = drain().finally(() => {
        running = undefined;
      });
    },
    start() {
      timer = setInterval(() => relay.kick(), deps.sweepIntervalMs ?? 1000);
      timer.unref();
      relay.kick();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
    async drain() {
      await running;
      await drain();
    },
  };
  return relay;
}
