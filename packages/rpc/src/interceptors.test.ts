import { trace } from "@opentelemetry/api";
import { conflict, notFound, unavailable } from "@syncline/errors";
import { SourceSnapshotService } from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { createLogger, initTelemetry, type Telemetry } from "@syncline/telemetry";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Code,
  createAuthenticator,
  createRpcClient,
  createRpcServer,
  everyMethod,
  formatPeerServiceDigests,
  parsePeerServiceDigests,
  RpcError,
  type CallOutcome,
  type RpcServer,
} from "./index.ts";

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
const outcomes: CallOutcome[] = [];
/** The trace id the handler ran under, per request path. */
const handlerTraces = new Map<string, string | undefined>();
let telemetry: Telemetry;
let server: RpcServer;
let address: string;

beforeAll(async () => {
  telemetry = initTelemetry({ serviceName: "rpc-interceptors-test", export: { kind: "none" } });
  server = createRpcServer({
    authenticator,
    logger: createLogger("rpc-test", "silent"),
    observers: [(outcome) => outcomes.push(outcome)],
  });
  server.add(
    SourceSnapshotService,
    {
      async getSourceSnapshot(request) {
        handlerTraces.set(request.path, trace.getActiveSpan()?.spanContext().traceId);
        if (request.path === "/busy") throw unavailable("the store is busy; retry", { retryAfterMs: 1500 });
        if (request.path === "/raced") throw conflict("changed meanwhile; read it again and retry");
        return { revision: 1n, sourceExists: true };
      },
      async *streamSourceSnapshot(request) {
        yield { part: { case: "header", value: { revision: 1n, sourceExists: true, secretCount: 1 } } };
        throw notFound(`folder ${request.path}`);
      },
    },
    everyMethod(SourceSnapshotService, { services: ["connector-worker"] }),
  );
  address = `127.0.0.1:${await server.listen("127.0.0.1", 0)}`;
});

afterAll(async () => {
  await server.shutdown(100);
  await telemetry.shutdown();
});

describe("rpc interceptors", () => {
  it("continue the caller's trace in the handler", async () => {
    const client = createRpcClient(SourceSnapshotService, { address, token: tokens.worker });
    const callerTrace = await trace.getTracer("test").startActiveSpan("caller", async (span) => {
      await client.getSourceSnapshot({ ...at, path: "/traced" });
      span.end();
      return span.spanContext().traceId;
    });
    expect(handlerTraces.get("/traced")).toBe(callerTrace);
    client.close();
  });

  it("deliver a domain error's kind and retry delay to the client", async () => {
    const client = createRpcClient(SourceSnapshotService, { address, token: tokens.worker });
    const busy = (await client.getSourceSnapshot({ ...at, path: "/busy" }).catch((e: unknown) => e)) as RpcError;
    expect(busy).toBeInstanceOf(RpcError);
    expect([busy.code, busy.kind, busy.retryAfterMs, busy.message]).toEqual([
      Code.UNAVAILABLE,
      "unavailable",
      1500,
      "the store is busy; retry",
    ]);
    const raced = (await client.getSourceSnapshot({ ...at, path: "/raced" }).catch((e: unknown) => e)) as RpcError;
    expect([raced.code, raced.kind]).toEqual([Code.ABORTED, "conflict"]);
    client.close();
  });

  it("map an error a server stream throws after its first response", async () => {
    const client = createRpcClient(SourceSnapshotService, { address, token: tokens.worker });
    const received: string[] = [];
    const error = await (async () => {
      for await (const message of client.streamSourceSnapshot({ ...at, path: "/gone" }))
        received.push(message.part.case!);
    })().catch((e: unknown) => e);
    expect(received).toEqual(["header"]);
    expect(error).toBeInstanceOf(RpcError);
    expect([(error as RpcError).code, (error as RpcError).kind]).toEqual([Code.NOT_FOUND, "not_found"]);
    expect((error as RpcError).message).toBe("folder /gone not found");
    client.close();
  });

  it("report every call's outcome to the observers, refusals included", async () => {
    outcomes.length = 0;
    const anonymous = createRpcClient(SourceSnapshotService, { address });
    await anonymous.getSourceSnapshot({ ...at, path: "/" }).catch(() => undefined);
    const client = createRpcClient(SourceSnapshotService, { address, token: tokens.worker });
    await client.getSourceSnapshot({ ...at, path: "/" });
    const seen = outcomes.map((o) => [o.service, o.method, o.code, o.kind]);
    expect(seen).toEqual([
      [SourceSnapshotService.typeName, "getSourceSnapshot", Code.UNAUTHENTICATED, "unauthenticated"],
      [SourceSnapshotService.typeName, "getSourceSnapshot", Code.OK, undefined],
    ]);
    expect(outcomes.every((o) => o.durationSeconds >= 0)).toBe(true);
    anonymous.close();
    client.close();
  });

  it("check the request's field rules after authentication and before the handler", async () => {
    const anonymous = createRpcClient(SourceSnapshotService, { address });
    const unknownCaller = (await anonymous.getSourceSnapshot({ path: "x" }).catch((e: unknown) => e)) as RpcError;
    expect(unknownCaller.code).toBe(Code.UNAUTHENTICATED);
    expect(unknownCaller.violations).toEqual([]);
    const client = createRpcClient(SourceSnapshotService, { address, token: tokens.worker });
    handlerTraces.delete("x");
    const invalid = (await client.getSourceSnapshot({ ...at, path: "x" }).catch((e: unknown) => e)) as RpcError;
    expect([invalid.code, invalid.kind]).toEqual([Code.INVALID_ARGUMENT, "invalid_argument"]);
    expect(invalid.violations.map((v) => v.field)).toEqual(["path"]);
    expect(handlerTraces.has("x")).toBe(false);
    anonymous.close();
    client.close();
  });
});
