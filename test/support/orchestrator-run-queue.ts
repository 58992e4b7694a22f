import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll } from "vitest";
import { connectBus, ensureTopology, streams, type NatsConnection } from "@syncline/bus";
import type { DatabaseHandle } from "@syncline/db";
import { Destination } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import type { secretSyncs } from "../../services/sync-orchestrator/src/store/schema.ts";
import { startNatsServer, type TestNatsServer } from "./nats-server.ts";
import { openTestDatabase } from "./test-databases.ts";

/** A sync row for the orchestrator's store tests: a sync of `dev:/` with fresh ids, `extra` over it. */
export function syncRow(extra: Partial<typeof secretSyncs.$inferInsert> = {}): typeof secretSyncs.$inferInsert {
  const id = extra.id ?? randomUUID();
  return {
    id,
    projectId: randomUUID(),
    name: `s-${id.slice(0, 8)}`,
    sourceEnvironment: "dev",
    sourcePath: "/",
    connectionId: randomUUID(),
    destination: Destination.HASHICORP_VAULT,
    destinationConfig: Buffer.alloc(0),
    initialSyncBehavior: 1,
    ...extra,
  };
}

/** What a run-queue test file runs against; read the fields inside tests (they are set in `beforeAll`). */
export interface RunQueueBackends {
  readonly nats: TestNatsServer;
  readonly nc: NatsConnection;
  readonly handle: DatabaseHandle;
}

/**
 * For one test file: a nats-server of its own with the run-requests stream, a connection to it named
 * `name`, and the orchestrator's test database (the file's database kind), closed after the file.
 */
export function useRunQueueBackends(name: string): RunQueueBackends {
  const backends: { nats?: TestNatsServer; nc?: NatsConnection; handle?: DatabaseHandle } = {};
  beforeAll(async () => {
    backends.nats = await startNatsServer();
    backends.nc = await connectBus(backends.nats.url, name);
    await ensureTopology(backends.nc, { streams: [streams.runRequests], consumers: [] });
    const migrations = fileURLToPath(new URL("../../services/sync-orchestrator/src/store/migrations", import.meta.url));
    backends.handle = await openTestDatabase("orchestrator_unit", migrations);
  });
  afterAll(async () => {
    await backends.handle?.close();
    await backends.nc?.close();
    await backends.nats?.stop();
  });
  return backends as RunQueueBackends;
}
