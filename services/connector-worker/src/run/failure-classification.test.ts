import { create } from "@bufbuild/protobuf";
import type { Delivery } from "@syncline/bus";
import { ConnectorError } from "@syncline/connectors";
import { DomainError } from "@syncline/errors";
import { SyncRunRequestSchema } from "@syncline/gen/syncline/events/v1/sync_runs_pb.js";
import {
  Destination,
  SecretSyncSchema,
  SyncAction,
  SyncState,
  SyncRunSchema,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { Code, RpcError } from "@syncline/rpc";
import { createLogger } from "@syncline/telemetry";
import { describe, expect, it } from "vitest";
import { classifyFailure, decide } from "./failure-policy.ts";
import { sizeLimitFailure } from "./internal-limits.ts";
import type { RunReport } from "./run-reporter.ts";
import type { RunCoordinator } from "./run-lease.ts";
import { createRunRequestHandler } from "./run-request-handler.ts";

/**
 * Size limits of internal calls are final: grpc-js answers RESOURCE_EXHAUSTED ("Received message
 * larger than max (N vs. M)") and sending the same message again cannot succeed, so a run that
 * hits one fails at once with `limit_exceeded`, naming the source and the limit.
 */
const received = "Received message larger than max (5242974 vs 4194304)";
const sent = "Sent message larger than max (5242974 vs. 4194304)";

describe("internal call failures", () => {
  it("classify by the error's kind, whatever status code carried it", () => {
    const cases = [
      [new DomainError("permission_denied", "no"), "auth"],
      [new DomainError("failed_precondition", "no"), "invalid_config"],
      [new DomainError("unimplemented", "no"), "unsupported"],
      [new DomainError("conflict", "no"), "transient"],
      [new RpcError(Code.FAILED_PRECONDITION, "no", [], { kind: "unavailable" }), "transient"],
      [new RpcError(Code.UNAVAILABLE, "no", [], { kind: "not_found" }), "not_found"],
    ] as const;
    for (const [error, kind] of cases) expect([error.message, classifyFailure(error).kind]).toEqual(["no", kind]);
  });
});

describe("size-limit failures of internal calls", () => {
  it("classify as limit_exceeded, not transient, and are not retried", () => {
    const errors = [new RpcError(Code.RESOURCE_EXHAUSTED, received), new RpcError(Code.INTERNAL, `proxy: ${sent}`)];
    for (const error of errors) {
      const failure = classifyFailure(error);
      expect(failure.kind).toBe("limit_exceeded");
      expect(failure.message).toContain("a 5.0 MiB message exceeds the 4.0 MiB limit");
      expect(decide(failure, 1, 10)).toEqual({ retry: false });
    }
    expect(classifyFailure(new RpcError(Code.UNAVAILABLE, "connection refused")).kind).toBe("transient");
    expect(classifyFailure(new RpcError(Code.INTERNAL, "internal error (trace 1)")).kind).toBe("transient");
  });

  it("name what was being done when wrapped, and leave other errors alone", () => {
    const error = new RpcError(Code.RESOURCE_EXHAUSTED, received);
    const failure = sizeLimitFailure(error, "reading the source dev:/api", "make it smaller");
    expect(failure).toBeInstanceOf(ConnectorError);
    expect(failure!.kind).toBe("limit_exceeded");
    expect(failure!.message).toBe(
      "reading the source dev:/api exceeded an internal gRPC message size limit " +
        "(a 5.0 MiB message exceeds the 4.0 MiB limit); retrying cannot help: make it smaller",
    );
    expect(sizeLimitFailure(new RpcError(Code.UNAVAILABLE, "down"), "x", "y")).toBeUndefined();
    expect(sizeLimitFailure(new Error("RESOURCE_EXHAUSTED"), "x", "y")).toBeUndefined();
  });

  it("fail the run at once (FAILED on attempt 1 of 10, acked), naming the source and the limit", async () => {
    const reports: RunReport[] = [];
    const checkFence = async () => ({ allowed: true as const });
    const lease = { leaseId: "l", signal: new AbortController().signal, lost: false, checkFence, release() {} };
    const sync = create(SecretSyncSchema, {
      id: "s",
      projectId: "p",
      connectionId: "c",
      destination: Destination.HASHICORP_VAULT,
      destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: "app" } } },
      source: { environment: "prod", path: "/big" },
      options: {},
    });
    const run = create(SyncRunSchema, { id: "r", action: SyncAction.SYNC });
    const tooLarge = async () => Promise.reject(new RpcError(Code.RESOURCE_EXHAUSTED, received));
    const handle = createRunRequestHandler({
      coordinator: {
        claim: async () => ({ kind: "proceed", sync, run, lease, attempt: 1 }),
      } as unknown as RunCoordinator,
      sources: {
        // Either way of reading the snapshot hits the limit here; credentials never answer, so the source read decides.
        snapshots: {
          getSourceSnapshot: tooLarge,
          streamSourceSnapshot: () => ({ [Symbol.asyncIterator]: () => ({ next: tooLarge }) }),
        },
        credentials: { resolveCredentials: () => new Promise(() => {}) },
        secrets: {},
        breakers: {},
      } as never,
      reporter: { report: async (_request, report) => void reports.push(report) },
      logger: createLogger("connector-worker-test", "silent"),
      settings: { maxAttempts: 10, heartbeatMs: 10_000 },
      signal: new AbortController().signal,
    });
    const subject = "syncline.runs.requests.hashicorp_vault";
    const delivery: Delivery = { subject, deliveryCount: 1, streamSequence: 1, working() {} };
    const request = create(SyncRunRequestSchema, { runId: "r", secretSyncId: "s", action: SyncAction.SYNC });
    expect(await handle(request, delivery)).toEqual({ kind: "ack" });
    expect(reports.map((r) => [SyncState[r.state], r.attempt])).toEqual([["FAILED", 1]]);
    expect(reports[0]!.message).toContain("reading the source prod:/big exceeded an internal gRPC message size limit");
    expect(reports[0]!.message).toContain("the 4.0 MiB limit");
  });
});
