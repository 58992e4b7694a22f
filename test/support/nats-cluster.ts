import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { jetstreamManager, type JetStreamManager } from "@nats-io/jetstream";
import { connectBus, type NatsConnection } from "@syncline/bus";
import { eventually } from "./eventually.ts";
import { freePort } from "./free-port.ts";
import { natsReady } from "./nats-ready.ts";

/** One nats-server of a test cluster. */
export interface ClusterNode {
  /** Its `server_name`, as JetStream names stream leaders and replicas. */
  readonly name: string;
  readonly url: string;
  readonly running: boolean;
  /** Stops this node (SIGKILL by default: a crash) and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** Starts it again with the same ports, routes and store; resolves once it listens. */
  start(): Promise<void>;
}

/** A JetStream cluster of three nats-servers on loopback, for one test file. */
export interface TestNatsCluster {
  /** Every node's URL, comma-separated: what SYNCLINE_NATS_URL gets. */
  readonly url: string;
  readonly nodes: readonly ClusterNode[];
  /** The node leading `stream` now (the stream must exist). */
  streamLeader(stream: string): Promise<ClusterNode>;
  /** Stops every node and removes the store directories. */
  stop(): Promise<void>;
}

const CLUSTER_SIZE = 3;

/**
 * Starts a 3-node JetStream cluster on free loopback ports, each node with its own configuration,
 * routes to the others and store directory under one temporary directory, and resolves only once
 * the cluster is formed: a meta leader is elected and a stream replicated on all three nodes can be
 * created (nats-server 2.9 answers JetStream requests with "temporarily unavailable" until then).
 */
export async function startNatsCluster(name = "syncline-test"): Promise<TestNatsCluster> {
  const dir = mkdtempSync(join(tmpdir(), "syncline-nats-cluster-"));
  const clientPorts = await distinctPorts(CLUSTER_SIZE);
  const routePorts = await distinctPorts(CLUSTER_SIZE, clientPorts);
  const routes = routePorts.map((port) => `nats-route://127.0.0.1:${port}`);
  const nodes = clientPorts.map((clientPort, index) => {
    const nodeName = `${name}-n${index + 1}`;
    const storeDir = join(dir, nodeName);
    mkdirSync(storeDir, { recursive: true });
    const configFile = join(dir, `${nodeName}.conf`);
    writeFileSync(
      configFile,
      nodeConfig({ nodeName, clientPort, routePort: routePorts[index]!, routes, storeDir, name }),
    );
    return clusterNode(nodeName, clientPort, configFile);
  });
  const cluster: TestNatsCluster = {
    url: nodes.map((node) => node.url).join(","),
    nodes,
    async streamLeader(stream) {
      return withManager(cluster.url, async (jsm) => {
        const info = await jsm.streams.info(stream);
        const leader = nodes.find((node) => node.name === info.cluster?.leader);
        if (!leader) throw new Error(`stream ${stream} has no leader among the cluster's nodes`);
        return leader;
      });
    },
    async stop() {
      await Promise.all(nodes.map((node) => node.kill("SIGTERM")));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(nodes.map((node) => node.start()));
    await untilFormed(cluster.url);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

function nodeConfig(options: {
  nodeName: string;
  clientPort: number;
  routePort: number;
  routes: readonly string[];
  storeDir: string;
  name: string;
}): string {
  return [
    `server_name: ${JSON.stringify(options.nodeName)}`,
    `listen: "127.0.0.1:${options.clientPort}"`,
    `jetstream { store_dir: ${JSON.stringify(options.storeDir)}, max_memory_store: 64MB, max_file_store: 1GB }`,
    "cluster {",
    `  name: ${JSON.stringify(options.name)}`,
    `  listen: "127.0.0.1:${options.routePort}"`,
    `  routes: [${options.routes.map((route) => JSON.stringify(route)).join(", ")}]`,
    "}",
    "",
  ].join("\n");
}

/** One node: a nats-server process that can be killed and started again on its ports and store. */
function clusterNode(name: string, port: number, configFile: string): ClusterNode {
  const binary = process.env.NATS_SERVER_BIN ?? "nats-server";
  let child: ChildProcess | undefined;
  const alive = () => child !== undefined && child.exitCode === null && child.signalCode === null;
  return {
    name,
    url: `nats://127.0.0.1:${port}`,
    get running() {
      return alive();
    },
    async kill(signal: NodeJS.Signals = "SIGKILL") {
      const current = child;
      if (!current || !alive()) return;
      const exited = new Promise((resolve) => current.once("exit", resolve));
      current.kill(signal);
      const force = setTimeout(() => current.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(force);
    },
    async start() {
      const current = spawn(binary, ["-c", configFile], { stdio: ["ignore", "pipe", "pipe"] });
      child = current;
      await natsReady(current, name, 30_000);
    },
  };
}

/** Waits until a stream with one replica per node can be created (and removes it again). */
async function untilFormed(url: string): Promise<void> {
  await withManager(url, (jsm) =>
    eventually(
      async () => {
        try {
          await jsm.streams.add({ name: "SYNCLINE_CLUSTER_PROBE", subjects: [], num_replicas: CLUSTER_SIZE });
          await jsm.streams.delete("SYNCLINE_CLUSTER_PROBE");
          return true;
        } catch {
          return undefined;
        }
      },
      { timeoutMs: 60_000, describe: () => "the NATS cluster to elect a meta leader with three peers" },
    ),
  );
}

async function withManager<T>(url: string, use: (jsm: JetStreamManager) => Promise<T>): Promise<T> {
  const nc: NatsConnection = await connectBus(url, "test-cluster-admin");
  try {
    // No API check here: before the meta leader is elected it would time out rather than say so.
    return await use(await jetstreamManager(nc, { timeout: 5_000, checkAPI: false }));
  } finally {
    await nc.close();
  }
}

/** `count` free ports, distinct from each other and from `taken`. */
async function distinctPorts(count: number, taken: readonly number[] = []): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = await freePort();
    if (!ports.includes(port) && !taken.includes(port)) ports.push(port);
  }
  return ports;
}
