import { asc, inArray, sql } from "drizzle-orm";
import type { EventPublisher } from "@syncline/bus";
import { queryRows, type Database } from "@syncline/db";
import type { Logger } from "@syncline/telemetry";
import type { OutboxTable } from "./outbox-table.ts";

const BATCH = 200;

/**
 * Moves committed outbox rows to JetStream. `kick` runs right after a commit so an event is
 * published within milliseconds; the sweeper publishes whatever a crash or a broker outage left
 * behind. Rows are deleted only after the stream acknowledged them; a crash in between
 * republishes with the same Nats-Msg-Id, which the stream deduplicates. A transaction-scoped
 * advisory lock keeps one relay active per table across replicas, so rows go out in commit order.
 */
export interface OutboxRelay {
  kick(): void;
  start(): void;
  /** Stops the sweeper and waits for a drain in progress. */
  stop(): Promise<void>;
  /** Publishes everything pending now. */
  drain(): Promise<void>;
}

export function createOutboxRelay(deps: {
  db: Database;
  table: OutboxTable;
  lockKey: number;
  publisher: EventPublisher;
  logger: Logger;
  sweepIntervalMs?: number;
}): OutboxRelay {
  let running: Promise<void> | undefined;
  let again = false;
  let timer: NodeJS.Timeout | undefined;
  const { table } = deps;

  const drainOnce = async (): Promise<number> =>
    deps.db.transaction(async (tx) => {
      const [lock] = await queryRows<{ locked: boolean }>(
        tx,
        sql`select pg_try_advisory_xact_lock(${deps.lockKey}) as locked`,
      );
      if (lock?.locked !== true) return 0;
      const pending = await tx.select().from(table).orderBy(asc(table.seq)).limit(BATCH);
      for (const row of pending) {
        await deps.publisher.publishEncoded(row.subject, row.payload, {
          msgId: row.id,
          typeName: row.typeName,
          traceContext: row.traceContext,
        });
      }
      if (pending.length > 0)
        await tx.delete(table).where(
          inArray(
            table.seq,
            pending.map((row) => row.seq),
          ),
        );
      return pending.length;
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
