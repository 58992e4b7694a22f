import { createServer, connect, type Server, type Socket } from "node:net";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { createLogger } from "@syncline/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "../../../test/support/eventually.ts";
import {
  boundedPerCaller,
  Code,
  createAuthenticator,
  createRpcClient,
  createRpcServer,
  everyMethod,
  formatPeerServiceDigests,
  parsePeerServiceDigests,
  type RpcError,
  type RpcServer,
} from "./index.ts";

/** Two known callers: the worker and the connections service (their streams are counted apart). */
const tokens = { adminToken: "connections-token-0123456789", internalToken: "worker-token-0123456789" };
const authenticator = createAuthenticator({
  serviceCredentials: parsePeerServiceDigests(
    formatPeerServiceDigests({ "connector-worker": tokens.internalToken, connections: tokens.adminToken }),
  ),
});
const at = { projectId: "6f1c1f5e-6c1b-4c1e-9c1a-1b2c3d4e5f60", environment: "dev" };
const PER_CALLER = 2;
let server: RpcServer;
let address: string;

beforeAll(async () => {
  // Pings after 200 ms of silence, a peer that does not answer within 200 ms is dropped.
  server = createRpcServer({
    authenticator,
    logger: createLogger("stream-slots-test", "silent"),
    keepalive: { timeMs: 200, timeoutMs: 200 },
  });
  const streamSourceSnapshot = boundedPerCaller<typeof SourceSnapshotService.method.streamSourceSnapshot>(
    async function* (_request, context) {
      yield { part: { case: "header", value: { revision: 1n, sourceExists: true, secretCount: 0 } } };
      // Open until the client goes away, like a watch.
      await new Promise((resolve) => context.signal.addEventListener("abort", resolve, { once: true }));
    },
    { perCaller: PER_CALLER, method: "StreamSourceSnapshot", setting: "SYNCLINE_TEST_STREAMS" },
  );
  server.add(
    SourceSnapshotService,
    { getSourceSnapshot: async () => ({ revision: 1n, sourceExists: true }), streamSourceSnapshot },
    everyMethod(SourceSnapshotService, { services: ["connector-worker", "connections"] }),
  );
  address = `127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
});

afterAll(() => server.shutdown(100));

/** Opens a stream as `token` via `via`: resolves once its first message arrived, or with the refusal. */
async function openStream(token: string, via = address) {
  const client = createRpcClient(SourceSnapshotService, { address: via, token });
  const controller = new AbortController();
  const iterator = client
    .streamSourceSnapshot({ ...at, path: "/" }, { signal: controller.signal })
    [Symbol.asyncIterator]();
  const first = await iterator.next().then(
    () => undefined,
    (error: unknown) => error as RpcError,
  );
  const close = () => {
    controller.abort();
    client.close();
  };
  if (first) close();
  return { refused: first, close };
}

describe("streams bounded per caller", () => {
  it("refuses the stream past the limit with RESOURCE_EXHAUSTED naming it, and frees the slot on cancel", async () => {
    const streams = [await openStream(tokens.internalToken), await openStream(tokens.internalToken)];
    expect(streams.map((s) => s.refused)).toEqual([undefined, undefined]);

    const refused = (await openStream(tokens.internalToken)).refused;
    expect(refused?.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(refused?.message).toContain(`SYNCLINE_TEST_STREAMS=${PER_CALLER}`);

    const other = await openStream(tokens.adminToken);
    expect(other.refused).toBeUndefined();
    other.close();

    streams[0]!.close();
    const next = await eventually(async () => {
      const attempt = await openStream(tokens.internalToken);
      return attempt.refused ? undefined : attempt;
    });
    next.close();
    streams[1]!.close();
  });

  it("frees the slot of a client that went silent without closing its connection (keepalive)", async () => {
    const proxy = await startFreezableProxy(address);
    try {
      const held = [await openStream(tokens.internalToken, proxy.address), await openStream(tokens.internalToken)];
      expect(held.map((s) => s.refused)).toEqual([undefined, undefined]);
      expect((await openStream(tokens.internalToken)).refused?.code).toBe(Code.RESOURCE_EXHAUSTED);

      proxy.freeze(); // the first client's packets stop flowing both ways; its TCP connection stays open
      const next = await eventually(async () => {
        const attempt = await openStream(tokens.internalToken);
        return attempt.refused ? undefined : attempt;
      });
      next.close();
      for (const stream of held) stream.close();
    } finally {
      await proxy.stop();
    }
  });
});

/** A TCP proxy to `target` that can stop forwarding without closing anything, like a vanished host. */
async function startFreezableProxy(target: string) {
  const [host, port] = target.split(":");
  const sockets: Socket[] = [];
  const proxy: Server = createServer((inbound) => {
    const outbound = connect(Number(port), host);
    sockets.push(inbound, outbound);
    inbound.pipe(outbound).on("error", () => {});
    outbound.pipe(inbound).on("error", () => {});
    inbound.on("error", () => {});
    outbound.on("error", () => {});
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const bound = proxy.address();
  return {
    address: `127.0.0.1:${typeof bound === "object" && bound ? bound.port : 0}`,
    freeze() {
      for (const socket of sockets) {
        socket.unpipe();
        socket.pause();
      }
    },
    async stop() {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}
