import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { jetstream, jetstreamManager } from "@nats-io/jetstream";
import type { NatsConnection } from "@nats-io/nats-core";
import { connect } from "@nats-io/transport-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../test/support/eventually.ts";
import { startNatsServer, type TestNatsServer } from "../../../test/support/nats-server.ts";
import { createTestPki, type TestPki } from "../../../test/support/test-pki.ts";
import {
  busUsers,
  connectBus,
  consumers,
  ensureTopology,
  exampleNatsServerConfig,
  natsAccessOptions,
  natsServerConfig,
  streams,
  subjects,
  type BusUser,
} from "./index.ts";

const passwords = Object.fromEntries(busUsers.map((user) => [user, randomBytes(12).toString("hex")])) as Record<
  BusUser,
  string
>;
/** What each service's main.ts asks ensureTopology for. */
const topologyOf: Record<BusUser, Parameters<typeof ensureTopology>[1]> = {
  secrets: { streams: [streams.sourceEvents], consumers: [] },
  connections: { streams: [streams.connectionEvents], consumers: [] },
  orchestrator: {
    streams: Object.values(streams),
    consumers: [
      consumers.orchestratorSourceEvents,
      consumers.orchestratorRunResults,
      consumers.orchestratorConnectionEvents,
      consumers.connectorWorkerRuns,
    ],
  },
  worker: {
    streams: [streams.runRequests, streams.runResults, streams.deadLetters],
    consumers: [consumers.connectorWorkerRuns],
  },
};

let pki: TestPki;
let nats: TestNatsServer;
let caFile: string;
const connections = {} as Record<BusUser, NatsConnection>;
/** Permission errors each connection was told about, as "publish <subject>" / "subscription <subject>". */
const violations = {} as Record<BusUser, string[]>;

beforeAll(async () => {
  pki = createTestPki();
  const ca = pki.authority("nats-test-ca");
  caFile = ca.certFile;
  const serverCert = ca.issue("nats-server", "server");
  nats = await startNatsServer({
    config: (storeDir) =>
      natsServerConfig({
        listen: "127.0.0.1:-1",
        storeDir,
        password: (user) => JSON.stringify(passwords[user]),
        tls: serverCert,
      }),
  });
  for (const user of busUsers) {
    const nc = await connectBus(nats.url, `permissions-test ${user}`, {
      user,
      password: passwords[user],
      tls: { caFile },
    });
    connections[user] = nc;
    violations[user] = [];
    void (async () => {
      for await (const status of nc.status()) {
        const error = status.type === "error" ? (status.error as { operation?: string; subject?: string }) : undefined;
        if (error?.operation) violations[user].push(`${error.operation} ${error.subject}`);
      }
    })();
  }
}, 60_000);

afterAll(async () => {
  await Promise.all(Object.values(connections).map((nc) => nc.close()));
  await nats?.stop();
  pki?.remove();
});

/** Messages now in `stream`, as the orchestrator (which may look at every stream) sees them. */
async function messagesIn(stream: string): Promise<number> {
  const jsm = await jetstreamManager(connections.orchestrator);
  return (await jsm.streams.info(stream)).state.messages;
}

/** Publishes as `user` and waits for the broker's permission violation; the stream stays as it was. */
async function expectRefused(user: BusUser, subject: string, stream: string): Promise<void> {
  const before = await messagesIn(stream);
  connections[user].publish(subject, "forged");
  await connections[user].flush();
  await eventually(() => (violations[user].includes(`publish ${subject}`) ? true : undefined), {
    timeoutMs: 10_000,
    describe: () => `no permission violation for ${user} publishing ${subject}: ${violations[user].join(", ")}`,
  });
  expect(await messagesIn(stream)).toBe(before);
}

describe("NATS users and subject permissions", () => {
  it("every service sets up its own streams and consumers over TLS", async () => {
    for (const user of busUsers) await ensureTopology(connections[user], topologyOf[user]);
    expect(Object.values(violations).flat()).toEqual([]);
  });

  it("each service publishes what it owns", async () => {
    const publish = (user: BusUser, subject: string) => jetstream(connections[user]).publish(subject, "ok");
    expect((await publish("secrets", subjects.sourceChange("p1", "dev"))).stream).toBe(streams.sourceEvents.name);
    expect((await publish("connections", subjects.connectionChange("p1"))).stream).toBe(streams.connectionEvents.name);
    expect((await publish("orchestrator", subjects.runRequest("vault"))).stream).toBe(streams.runRequests.name);
    expect((await publish("worker", subjects.runResult)).stream).toBe(streams.runResults.name);
  });

  it("a worker cannot forge source events or run requests", async () => {
    await expectRefused("worker", subjects.sourceChange("p1", "dev"), streams.sourceEvents.name);
    await expectRefused("worker", subjects.runRequest("vault"), streams.runRequests.name);
  });

  it("the secrets service cannot publish run results, the orchestrator no source events", async () => {
    await expectRefused("secrets", subjects.runResult, streams.runResults.name);
    await expectRefused("orchestrator", subjects.sourceChange("p1", "dev"), streams.sourceEvents.name);
    await expectRefused("connections", subjects.sourceChange("p1", "dev"), streams.sourceEvents.name);
  });

  it("workers pull and acknowledge run requests and answer the orchestrator's plan requests", async () => {
    const consumer = await jetstream(connections.worker).consumers.get(
      consumers.connectorWorkerRuns.stream,
      consumers.connectorWorkerRuns.config.durable_name,
    );
    const message = await consumer.next({ expires: 5000 });
    expect(message?.subject).toBe(subjects.runRequest("vault"));
    expect(await message?.ackAck()).toBe(true);

    const answering = connections.worker.subscribe(subjects.planRequest("*"), {
      queue: "connector-workers",
      callback: (_error, msg) => {
        msg.respond("planned");
      },
    });
    await connections.worker.flush(); // the subscription is registered at the broker before the request
    const reply = await connections.orchestrator.request(subjects.planRequest("vault"), "plan?", { timeout: 5000 });
    expect(reply.string()).toBe("planned");
    answering.unsubscribe();
    expect(violations.worker.filter((v) => !v.startsWith("publish syncline."))).toEqual([]);
  });

  it("a service cannot read another's replies", async () => {
    connections.worker.subscribe("_INBOX_orchestrator.>");
    await connections.worker.flush();
    await eventually(() => (violations.worker.includes("subscription _INBOX_orchestrator.>") ? true : undefined), {
      timeoutMs: 10_000,
    });
  });

  it("refuses plaintext clients and wrong passwords", async () => {
    await expect(connectBus(nats.url, "plaintext", { user: "worker", password: passwords.worker })).rejects.toThrow();
    await expect(connectBus(nats.url, "wrong", { user: "worker", password: "wrong", tls: { caFile } })).rejects.toThrow(
      /Authorization/i,
    );
  });

  it("the shipped deploy/nats/nats-server.conf is what the permissions generate", () => {
    const shipped = readFileSync(new URL("../../../deploy/nats/nats-server.conf", import.meta.url), "utf8");
    expect(shipped).toBe(exampleNatsServerConfig());
  });
});

describe("NATS with client certificates", () => {
  it("a broker that verifies clients admits one with a certificate of its CA and refuses one without", async () => {
    const ca = pki.authority("nats-mtls-ca");
    const verifying = await startNatsServer({
      config: (storeDir) =>
        natsServerConfig({
          listen: "127.0.0.1:-1",
          storeDir,
          password: (user) => JSON.stringify(passwords[user]),
          tls: { ...ca.issue("nats-mtls-server", "server"), caFile: ca.certFile, verify: true },
        }),
    });
    try {
      const access = { user: "worker", password: passwords.worker };
      const client = ca.issue("nats-mtls-worker", "client");
      const nc = await connectBus(verifying.url, "mtls", { ...access, tls: { caFile: ca.certFile, ...client } });
      await nc.flush();
      await nc.close();
      // nats.js notices the broker's refusal of a TLS 1.3 client only when its connect times out.
      const options = natsAccessOptions({ ...access, tls: { caFile: ca.certFile } });
      const refused = await connect({ servers: verifying.url, ...options, timeout: 2000 }).then(
        async (c) => {
          await c.close();
          return undefined;
        },
        (error: Error) => error,
      );
      expect(refused).toBeInstanceOf(Error);
    } finally {
      await verifying.stop();
    }
  });
});
