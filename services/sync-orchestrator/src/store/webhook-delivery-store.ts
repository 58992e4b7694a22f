import { and, asc, desc, eq, inArray, lt, lte } from "drizzle-orm";
import type { Database } from "@syncline/db";
import { WebhookDeliveryState } from "@syncline/gen/syncline/notifications/v1/webhooks_pb.js";
import { webhookDeliveries } from "./schema.ts";

/** Queries of webhook deliveries: recording events, claiming due attempts, the delivery log. */

export type DeliveryRow = typeof webhookDeliveries.$inferSelect;
export type NewDeliveryRow = typeof webhookDeliveries.$inferInsert;

/** Records deliveries (in the caller's transaction: the one that records their event). */
export async function insertDeliveries(db: Database, rows: readonly NewDeliveryRow[]): Promise<DeliveryRow[]> {
  if (rows.length === 0) return [];
  return db
    .insert(webhookDeliveries)
    .values([...rows])
    .returning();
}

/**
 * Claims up to `limit` PENDING deliveries due at `now`, skipping rows another transaction holds
 * (another replica claiming): each gets `claimId` and `next_attempt_at` = `claimUntil`, so no other
 * dispatcher takes it while its attempt runs, and a dispatcher that stops mid-attempt hands it on
 * once the claim lapses. Runs in its own transaction.
 */
export async function claimDueDeliveries(
  db: Database,
  claim: { now: Date; claimUntil: Date; claimId: string; limit: number },
): Promise<DeliveryRow[]> {
  return db.transaction(async (tx) => {
    const due = await tx
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(
        and(eq(webhookDeliveries.state, WebhookDeliveryState.PENDING), lte(webhookDeliveries.nextAttemptAt, claim.now)),
      )
      .orderBy(asc(webhookDeliveries.nextAttemptAt))
      .limit(claim.limit)
      .for("update", { skipLocked: true });
    if (due.length === 0) return [];
    return tx
      .update(webhookDeliveries)
      .set({ claimId: claim.claimId, nextAttemptAt: claim.claimUntil })
      .where(
        inArray(
          webhookDeliveries.id,
          due.map((row) => row.id),
        ),
      )
      .returning();
  });
}

/** What an attempt changes on its delivery. */
export type AttemptRecord = Pick<
  NewDeliveryRow,
  "state" | "attempts" | "lastHttpStatus" | "lastErrorKind" | "lastError" | "nextAttemptAt" | "deliveredAt" | "gaveUpAt"
>;

/** Records an attempt made under `claimId`; false (nothing changed) when the claim lapsed and passed on. */
export async function recordAttempt(
  db: Database,
  id: string,
  claimId: string,
  record: AttemptRecord,
): Promise<boolean> {
  const updated = await db
    .update(webhookDeliveries)
    .set({ ...record, claimId: null })
    .where(and(eq(webhookDeliveries.id, id), eq(webhookDeliveries.claimId, claimId)))
    .returning({ id: webhookDeliveries.id });
  return updated.length > 0;
}

/** A page of an endpoint's deliveries, newest first, before insertion position `beforeSeq`. */
export async function listDeliveries(
  db: Database,
  query: { endpointId: string; beforeSeq?: bigint; limit: number },
): Promise<DeliveryRow[]> {
  const ofEndpoint = eq(webhookDeliveries.endpointId, query.endpointId);
  return db
    .select()
    .from(webhookDeliveries)
    .where(query.beforeSeq === undefined ? ofEndpoint : and(ofEndpoint, lt(webhookDeliveries.seq, query.beforeSeq)))
    .orderBy(desc(webhookDeliveries.seq))
    .limit(query.limit);
}
