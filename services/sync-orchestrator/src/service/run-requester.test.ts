import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { connectBus, createEventPublisher, ensureTopology, streams, type NatsConnection } from "@syncline/bus";
import { openDatabase, type DatabaseHandle } from "@syncline/db";
import { Destination, SyncState, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { startNatsServer, type TestNatsServer } from "@syncline/test/support/nats-server.ts";
import { createTestDatabase, type TestDatabase } from "@syncline/test/support/postgres.ts";
import { secretSyncs, syncRuns } from "../store/schema.ts";
import { createRunRequester } from "./run-requester.ts";

/** Nothing lost on the orchestrator's side: runs recorded but never published are published again. */
let nats: TestNatsServer;
let nc: NatsConnection;
let database: TestDatabase;
let handle: DatabaseHandle;

beforeAll(async () => {
  nats = await startNatsServer();
  nc = await connectBus(nats.url, "run-requester-test");
  await ensureTopology(nc, { streams: [streams.runRequests], consumers: [] });
  database = await createTestDatabase("orchestrator_unit");
  handle = await openDatabase({ url: database.url, migrationsFolder: fileURLToPath(new URL("../store/migrations", import.meta.url)) });
});

afterAll(async () => {
  await handle?.close();
  await database?.drop();
  await nc?.close();
  await nats?.stop();
});

describe("run requester", () => {
  it("republishes PENDING runs that no worker started, and only those", async () => {
    const syncId = randomUUID();
    await handle.db.insert(secretSyncs).values({
      id: syncId, projectId: randomUUID(), name: "s", sourceEnvironment: "dev", sourcePath: "/", connectionId: randomUUID(),
      destination: Destination.HASHICORP_VAULT, destinationConfig: Buffer.alloc(0), initialSyncBehavior: 1,
    });
    const old = new Date(Date.now() - 120_000);
    const base = { syncId, action: 1, trigger: SyncTrigger.SOURCE_CHANGE, queuedAt: old };
    const lost = randomUUID();
    await handle.db.insert(syncRuns).values([
      { ...base, id: lost, state: SyncState.PENDING, attempts: 0 },
      { ...base, id: randomUUID(), state: SyncState.PENDING, attempts: 2 },
      { ...base, id: randomUUID(), state: SyncState.SUCCEEDED, attempts: 1 },
      { ...base, id: randomUUID(), state: SyncState.PENDING, attempts: 0, queuedAt: new Date() },
    ]);
    const requester = createRunRequester({ db: handle.db, publisher: createEventPublisher(nc) });
    expect(await requester.republishUnstarted(60_000)).toBe(1);
    const jsm = await jetstreamManager(nc);
    const message = await jsm.streams.getMessage(streams.runRequests.name, { last_by_subj: "syncline.runs.requests.hashicorp_vault" });
    expect(message?.header.get("Nats-Msg-Id")).toBe(`run-request/${lost}`);
    expect((await jsm.streams.info(streams.runRequests.name)).state.messages).toBe(1);
  });
});
