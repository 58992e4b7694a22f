import { randomBytes, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DatabaseHandle } from "@syncline/db";
import {
  WebhookDeliveryState,
  WebhookEventType,
  WebhookFormat,
} from "@syncline/gen/syncline/notifications/v1/webhooks_pb.js";
import { Destination, SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { openTestDatabase } from "@syncline/test/support/test-databases.ts";
import { secretSyncs, syncAuditEvents, webhookDeliveries, webhookEndpoints } from "../store/schema.ts";
import { claimDueDeliveries, recordAttempt } from "../store/webhook-delivery-store.ts";
import { recordSyncOutcome } from "./notification-events.ts";
import { createWebhookEndpoints } from "./webhook-endpoints.ts";
import { createWebhookSealer } from "./webhook-sealer.ts";

/**
 * Webhook endpoints and deliveries against PostgreSQL and PGlite: URLs and secrets sealed at rest,
 * endpoint changes audited, one delivery per subscribed enabled endpoint recorded with a sync's
 * failure or recovery (none for a repeated failure), and claims that never hand one delivery to two
 * dispatchers at once.
 */
let handle: DatabaseHandle;
const sealer = createWebhookSealer({ current: randomBytes(32), previous: [] });
const actor = { id: "identity:test", name: "test" };

beforeAll(async () => {
  handle = await openTestDatabase(
    "orchestrator_webhooks",
    fileURLToPath(new URL("../store/migrations", import.meta.url)),
  );
});

afterAll(async () => {
  await handle?.close();
});

async function newSync(projectId: string) {
  const sync = {
    id: randomUUID(),
    projectId,
    name: `s-${randomBytes(3).toString("hex")}`,
    sourceEnvironment: "dev",
    sourcePath: "/api",
    connectionId: randomUUID(),
    destination: Destination.HASHICORP_VAULT,
    destinationConfig: Buffer.alloc(0),
    initialSyncBehavior: 1,
  };
  await handle.db.insert(secretSyncs).values(sync);
  return sync;
}

const endpoint = (projectId: string, eventTypes: WebhookEventType[], enabled = true) =>
  createWebhookEndpoints({ db: handle.db, sealer }).create(
    {
      projectId,
      name: `hook-${randomBytes(3).toString("hex")}`,
      description: "",
      url: "https://hooks.example.com/services/T1/B1/credential-path",
      eventTypes,
      format: WebhookFormat.JSON,
      enabled,
    },
    actor,
  );

const deliveriesOf = (endpointId: string) =>
  handle.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.endpointId, endpointId));

describe("webhook endpoints", () => {
  it("keep the URL and the signing secret sealed, show the origin only, and audit each change", async () => {
    const projectId = randomUUID();
    const { endpoint: created, secret } = await endpoint(projectId, [WebhookEventType.SYNC_FAILED]);
    expect(created.urlOrigin).toBe("https://hooks.example.com");
    expect(Object.keys(created)).not.toContain("sealedUrl");
    const [row] = await handle.db.select().from(webhookEndpoints).where(eq(webhookEndpoints.id, created.id));
    expect(Buffer.from(row!.sealedUrl).toString("latin1")).not.toContain("credential-path");
    expect(Buffer.from(row!.sealedSecret).toString("latin1")).not.toContain(secret);
    expect(sealer.open(created.id, row!)).toEqual({
      url: "https://hooks.example.com/services/T1/B1/credential-path",
      secret,
    });
    // Sealed for one endpoint, the bytes open for no other.
    expect(() => sealer.open(randomUUID(), row!)).toThrow();
    const audit = await handle.db.select().from(syncAuditEvents).where(eq(syncAuditEvents.projectId, projectId));
    expect(audit).toMatchObject([{ syncId: null, action: "webhook.create", details: { endpoint_id: created.id } }]);
    expect(JSON.stringify(audit)).not.toContain("credential-path");
  });
});

describe("sync outcomes", () => {
  it("record one delivery per subscribed enabled endpoint when a sync fails, none when it fails again, one when it recovers", async () => {
    const projectId = randomUUID();
    const sync = await newSync(projectId);
    const both = (await endpoint(projectId, [WebhookEventType.SYNC_FAILED, WebhookEventType.SYNC_RECOVERED])).endpoint;
    const driftOnly = (await endpoint(projectId, [WebhookEventType.DRIFT_DETECTED])).endpoint;
    const disabled = (await endpoint(projectId, [WebhookEventType.SYNC_FAILED], false)).endpoint;
    const otherProject = (await endpoint(randomUUID(), [WebhookEventType.SYNC_FAILED])).endpoint;
    const outcome = (state: SyncState) =>
      handle.db.transaction((tx) =>
        recordSyncOutcome(tx, {
          sync,
          state,
          run: { id: randomUUID(), trigger: 1 },
          failureKind: "auth",
          message: "Vault refused the token",
        }),
      );

    expect(await outcome(SyncState.SUCCEEDED)).toBe(0);
    expect(await outcome(SyncState.FAILED)).toBe(1);
    expect(await outcome(SyncState.FAILED)).toBe(0);
    expect(await outcome(SyncState.SUCCEEDED)).toBe(1);
    expect(await outcome(SyncState.SUCCEEDED)).toBe(0);

    const recorded = await deliveriesOf(both.id);
    expect(recorded.map((d) => d.eventType).sort()).toEqual([
      WebhookEventType.SYNC_FAILED,
      WebhookEventType.SYNC_RECOVERED,
    ]);
    const failed = recorded.find((d) => d.eventType === WebhookEventType.SYNC_FAILED)!;
    expect(failed).toMatchObject({ state: WebhookDeliveryState.PENDING, attempts: 0, syncId: sync.id });
    expect(failed.payload).toMatchObject({
      type: "SYNC_FAILED",
      sync: { id: sync.id, destination: "HASHICORP_VAULT" },
      error: { kind: "auth", message: "Vault refused the token" },
    });
    for (const other of [driftOnly, disabled, otherProject]) expect(await deliveriesOf(other.id)).toEqual([]);
  });

  it("record nothing when the transaction that records the status rolls back", async () => {
    const projectId = randomUUID();
    const sync = await newSync(projectId);
    const hook = (await endpoint(projectId, [WebhookEventType.SYNC_FAILED])).endpoint;
    await handle.db
      .transaction(async (tx) => {
        await recordSyncOutcome(tx, { sync, state: SyncState.FAILED, failureKind: "auth", message: "" });
        throw new Error("crash before commit");
      })
      .catch(() => undefined);
    expect(await deliveriesOf(hook.id)).toEqual([]);
    expect(await handle.db.transaction((tx) => recordSyncOutcome(tx, { sync, state: SyncState.FAILED }))).toBe(1);
  });
});

describe("claims", () => {
  it("hand each due delivery to one dispatcher at a time; only the claim's holder records its attempt", async () => {
    const projectId = randomUUID();
    const hook = (await endpoint(projectId, [WebhookEventType.SYNC_FAILED])).endpoint;
    const endpoints = createWebhookEndpoints({ db: handle.db, sealer });
    for (let i = 0; i < 6; i++) await endpoints.sendTest(hook.id, actor);
    const now = new Date(Date.now() + 1000);
    const claim = (claimId: string) =>
      claimDueDeliveries(handle.db, { now, claimUntil: new Date(now.getTime() + 60_000), claimId, limit: 100 });
    const [first, second] = await Promise.all([claim(randomUUID()), claim(randomUUID())]);
    const ids = [...first!, ...second!].map((d) => d.id).filter((id) => id !== undefined);
    const ours = new Set((await deliveriesOf(hook.id)).map((d) => d.id));
    const claimedOurs = ids.filter((id) => ours.has(id));
    expect(new Set(claimedOurs).size).toBe(claimedOurs.length);
    expect(claimedOurs.length).toBe(6);
    // Claimed rows are not due again until the claim lapses.
    expect((await claim(randomUUID())).filter((d) => ours.has(d.id))).toEqual([]);

    const taken = first!.find((d) => ours.has(d.id)) ?? second!.find((d) => ours.has(d.id))!;
    const record = { state: WebhookDeliveryState.DELIVERED, attempts: 1, lastHttpStatus: 200, deliveredAt: new Date() };
    expect(await recordAttempt(handle.db, taken.id, randomUUID(), record)).toBe(false);
    expect(await recordAttempt(handle.db, taken.id, taken.claimId!, record)).toBe(true);
    const [after] = await handle.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, taken.id));
    expect(after).toMatchObject({ state: WebhookDeliveryState.DELIVERED, claimId: null, attempts: 1 });
  });
});
