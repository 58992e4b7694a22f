import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Health, HealthCheckResponse_ServingStatus } from "@syncline/gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "@syncline/gen/grpc/reflection/v1/reflection_pb.js";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { createLogger } from "@syncline/telemetry";
import * as grpc from "@grpc/grpc-js";
import { invalidArgument } from "@syncline/errors";
import {
  Code,
  createAuthenticator,
  createRpcClient,
  createRpcServer,
  everyMethod,
  formatPeerServiceDigests,
  parsePeerServiceDigests,
  RpcError,
  type RpcServer,
} from "./index.ts";
import { grpcServiceDefinition } from "./service-definition.ts";

/** A request the protos' field rules accept (the edge checks them before a handler runs). */
const at = { projectId: "6f1c1f5e-6c1b-4c1e-9c1a-1b2c3d4e5f60", environment: "dev" };
const tokens = {
  bootstrap: "bootstrap-token-0123456789",
  worker: "worker-token-0123456789",
  connections: "connections-token-0123456789",
};
/** The worker and the connections service are known peers; only the worker may call the snapshot service. */
const authenticator = createAuthenticator({
  bootstrapToken: tokens.bootstrap,
  serviceCredentials: parsePeerServiceDigests(
    formatPeerServiceDigests({ "connector-worker": tokens.worker, connections: tokens.connections }),
  ),
});
/** Server-streaming test: 1,000 messages of 64 KiB, and how many the handler has produced. */
const STREAMED = 1000;

/** The parts of a reflection response this test reads. */
interface ReflectionAnswer {
  readonly messageResponse: {
    readonly case: string;
    readonly value: { readonly service?: { name: string }[]; readonly fileDescriptorProto?: Uint8Array[] };
  };
}
const CHUNK_VALUE = "v".repeat(64 * 1024);
let streamedSoFar = 0;
let server: RpcServer;
let address: string;

beforeAll(async () => {
  server = createRpcServer({ authenticator, logger: createLogger("rpc-test", "silent") });
  server.add(
    SourceSnapshotService,
    {
      async getSourceSnapshot(request) {
        if (request.path === "/refused")
          throw invalidArgument([{ field: "path", description: "is refused by the handler" }]);
        if (request.path === "/boom") throw new Error("database said: value=hunter2");
        return { revision: 7n, sourceExists: true, secrets: [{ key: "A", value: "1" }] };
      },
      async *streamSourceSnapshot() {
        yield { part: { case: "header", value: { revision: 7n, sourceExists: true, secretCount: STREAMED } } };
        for (let i = 0; i < STREAMED; i++) {
          streamedSoFar = i + 1;
          yield { part: { case: "chunk", value: { secrets: [{ key: `K${i}`, value: CHUNK_VALUE }] } } };
        }
      },
    },
    everyMethod(SourceSnapshotService, { services: ["connector-worker"] }),
  );
  const port = await server.listen("127.0.0.1", 0);
  address = `127.0.0.1:${port}`;
});

afterAll(async () => {
  await server.shutdown(100);
});

describe("rpc", () => {
  it("serves a typed unary call to the allowed principal", async () => {
    const client = createRpcClient(SourceSnapshotService, { address, token: tokens.worker });
    const response = await client.getSourceSnapshot({ ...at, path: "/" });
    expect(response.revision).toBe(7n);
    expect(response.secrets[0]?.key).toBe("A");
    client.close();
  });

  it("refuses a missing or unknown token with UNAUTHENTICATED, the bootstrap token and another peer with PERMISSION_DENIED", async () => {
    for (const [token, code] of [
      [undefined, Code.UNAUTHENTICATED],
      ["wrong", Code.UNAUTHENTICATED],
      ["slt_000000000000000000000000_0000000000000000000000000000000000000000000", Code.UNAUTHENTICATED],
      [tokens.bootstrap, Code.PERMISSION_DENIED],
      [tokens.connections, Code.PERMISSION_DENIED],
    ] as const) {
      const client = createRpcClient(SourceSnapshotService, { address, ...(token ? { token } : {}) });
      const error = await client.getSourceSnapshot({ path: "/" }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RpcError);
      expect((error as RpcError).code).toBe(code);
      client.close();
    }
  });

  it("carries field violations to the client and hides unexpected errors", async () => {
    const client = createRpcClient(SourceSnapshotService, { address, token: tokens.worker });
    const invalid = (await client.getSourceSnapshot({ ...at, path: "/refused" }).catch((e: unknown) => e)) as RpcError;
    expect(invalid).toBeInstanceOf(RpcError);
    expect(invalid.code).toBe(Code.INVALID_ARGUMENT);
    expect(invalid.kind).toBe("invalid_argument");
    expect(invalid.violations).toEqual([{ field: "path", description: "is refused by the handler" }]);
    const edge = (await client.getSourceSnapshot({ ...at, path: "x" }).catch((e: unknown) => e)) as RpcError;
    expect(edge.code).toBe(Code.INVALID_ARGUMENT);
    expect(edge.violations).toEqual([{ field: "path", description: "must be absolute (start with /)" }]);
    const internal = (await client.getSourceSnapshot({ ...at, path: "/boom" }).catch((e: unknown) => e)) as RpcError;
    expect(internal.code).toBe(Code.INTERNAL);
    expect(internal.kind).toBe("internal");
    expect(internal.message).not.toContain("hunter2");
    client.close();
  });

  it("streams with back-pressure: a reader that stops holds the handler back, and every message arrives", async () => {
    const client = createRpcClient(SourceSnapshotService, { address, token: tokens.worker });
    const messages = client.streamSourceSnapshot({ ...at, path: "/" })[Symbol.asyncIterator]();
    expect((await messages.next()).value?.part.case).toBe("header");
    // Let the handler run as far as the stream lets it while nothing more is read.
    for (let seen = -1; seen !== streamedSoFar; ) {
      seen = streamedSoFar;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
    expect(streamedSoFar).toBeGreaterThan(0);
    expect(streamedSoFar).toBeLessThan(STREAMED / 10);
    let received = 0;
    for (let next = await messages.next(); !next.done; next = await messages.next()) {
      if (next.value.part.case === "chunk" && next.value.part.value.secrets[0]?.value === CHUNK_VALUE) received++;
    }
    expect(received).toBe(STREAMED);
    client.close();
  });

  it("answers health checks without a token", async () => {
    const client = createRpcClient(Health, { address });
    const overall = await client.check({ service: "" });
    expect(overall.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const one = await client.check({ service: SourceSnapshotService.typeName });
    expect(one.status).toBe(HealthCheckResponse_ServingStatus.SERVING);
    const unknown = (await client.check({ service: SecretsService.typeName }).catch((e: unknown) => e)) as RpcError;
    expect(unknown.code).toBe(Code.NOT_FOUND);
    client.close();
  });

  it("lists services and serves file descriptors through reflection", async () => {
    const Constructor = grpc.makeGenericClientConstructor(grpcServiceDefinition(ServerReflection), "reflection");
    const raw = new Constructor(address, grpc.credentials.createInsecure()) as unknown as {
      serverReflectionInfo(): grpc.ClientDuplexStream<unknown, ReflectionAnswer>;
    };
    const call = raw.serverReflectionInfo();
    const responses: ReflectionAnswer[] = [];
    const done = new Promise<void>((resolve) => {
      call.on("data", (response) => {
        responses.push(response);
        if (responses.length === 2) call.end();
      });
      call.on("end", resolve);
    });
    call.write({ messageRequest: { case: "listServices", value: "*" } });
    call.write({ messageRequest: { case: "fileContainingSymbol", value: SourceSnapshotService.typeName } });
    await done;
    const names = responses[0]!.messageResponse.value.service!.map((s) => s.name);
    expect(names).toContain(SourceSnapshotService.typeName);
    expect(names).toContain("grpc.health.v1.Health");
    expect(responses[1]!.messageResponse.case).toBe("fileDescriptorResponse");
    expect(responses[1]!.messageResponse.value.fileDescriptorProto!.length).toBeGreaterThan(0);
  });
});
