import { beforeAll, describe, expect, it } from "vitest";
import { jetstreamManager } from "@nats-io/jetstream";
import { connectBus, consumers, streams } from "@syncline/bus";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { createWorkerTestProject } from "../integration/helpers/worker-system.ts";
import { eventually } from "../support/eventually.ts";
import type { ClusterNode } from "../support/nats-cluster.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * The four services on a 3-node JetStream cluster with every stream replicated three times: a
 * stream of secret updates flows to the fake Vault while the node leading the streams is killed
 * with SIGKILL, and every change still arrives, the last value winning.
 */
const system = useSystem({ name: "nats-cluster-e2e", services: allServices, nats: "cluster" });
let projectId: string;
let connectionId: string;
const env = "prod";
const syncline = Object.values(streams).map((stream) => stream.name);

beforeAll(async () => {
  ({ projectId, connectionId } = await createWorkerTestProject(system, "cluster", env));
}, 120_000);

/** Reads the cluster's view of the streams over a connection of the test's own (to any live node). */
async function withManager<T>(use: (jsm: Awaited<ReturnType<typeof jetstreamManager>>) => Promise<T>): Promise<T> {
  const nc = await connectBus(system.nats.url, "nats-cluster-e2e");
  try {
    return await use(await jetstreamManager(nc, { timeout: 5_000 }));
  } finally {
    await nc.close();
  }
}

/** The node that leads most of Syncline's streams (the one whose loss costs the most elections). */
async function busiestLeader(): Promise<ClusterNode> {
  const leaders = await Promise.all(syncline.map((name) => system.nats.streamLeader(name)));
  const counts = new Map<ClusterNode, number>();
  for (const leader of leaders) counts.set(leader, (counts.get(leader) ?? 0) + 1);
  return [...counts].sort(([, a], [, b]) => b - a)[0]![0];
}

describe("Syncline on a cluster of three NATS nodes", () => {
  it("keeps every stream and durable consumer on all three nodes", async () => {
    await withManager(async (jsm) => {
      for (const name of syncline) {
        const info = await jsm.streams.info(name);
        expect({ name, replicas: info.config.num_replicas }).toEqual({ name, replicas: 3 });
        expect(info.cluster?.replicas ?? []).toHaveLength(2);
      }
      for (const consumer of Object.values(consumers)) {
        const info = await jsm.consumers.info(consumer.stream, consumer.config.durable_name);
        expect(info.cluster?.replicas ?? []).toHaveLength(2);
      }
    });
  });

  it("loses no change when the node leading the streams is killed mid-traffic", { timeout: 180_000 }, async () => {
    const write = (key: string, value: string) =>
      system.secrets.updateSecret({ projectId, environment: env, path: "/api", key, value });
    await system.secrets.createSecret({ projectId, environment: env, path: "/api", key: "COUNTER", value: "0" });
    const { secretSync } = await system.syncs.createSecretSync({
      projectId,
      name: "api-to-vault",
      source: { environment: env, path: "/api" },
      connectionId,
      destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: "apps/api" } } },
      keySchema: "",
    });
    await eventually(() => (system.vault.read("secret", "apps/api")?.COUNTER === "0" ? true : undefined));

    const victim = await busiestLeader();
    for (let i = 1; i <= 40; i++) {
      if (i === 15) await victim.kill("SIGKILL");
      await write("COUNTER", String(i));
      if (i % 10 === 5) {
        await system.secrets.createSecret({
          projectId,
          environment: env,
          path: "/api",
          key: `KEY_${i}`,
          value: `v${i}`,
        });
      }
    }
    expect(victim.running).toBe(false);

    // Written one after another: the last value of COUNTER is 40, and every key created is there.
    const expected = { COUNTER: "40", KEY_5: "v5", KEY_15: "v15", KEY_25: "v25", KEY_35: "v35" };
    const reached = await eventually(
      () => {
        const data = system.vault.read("secret", "apps/api") ?? {};
        return JSON.stringify(sorted(data)) === JSON.stringify(sorted(expected)) ? data : undefined;
      },
      {
        timeoutMs: 120_000,
        describe: () => `vault apps/api = ${JSON.stringify(system.vault.read("secret", "apps/api"))}`,
      },
    );
    expect(sorted(reached)).toEqual(sorted(expected));

    const { project } = await system.secrets.getProject({ projectId });
    const synced = await eventually(async () => {
      const { secretSync: now } = await system.syncs.getSecretSync({ secretSyncId: secretSync!.id });
      return now?.syncStatus?.state === SyncState.SUCCEEDED && now.lastSyncedRevision === project!.revision
        ? now
        : undefined;
    });
    expect(synced.lastSyncedRevision).toBe(project!.revision);

    // The two surviving nodes took over: every stream has a leader, and it is not the killed node.
    for (const name of syncline) expect((await system.nats.streamLeader(name)).name).not.toBe(victim.name);
  });
});

const sorted = (data: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(data).sort(([a], [b]) => a.localeCompare(b)));
