import { randomBytes } from "node:crypto";
import { create } from "@bufbuild/protobuf";
import { ConnectorError } from "@syncline/connectors";
import { SecretWriteOperation } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import {
  SourceSnapshotService,
  type StreamSourceSnapshotResponse,
} from "@syncline/gen/syncline/secrets/v1/source_snapshot_service_pb.js";
import { SecretSyncSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { Code } from "@syncline/rpc";
import { beforeAll, describe, expect, it } from "vitest";
import { classifyFailure } from "../../services/connector-worker/src/run/failure-policy.ts";
import { readSource } from "../../services/connector-worker/src/run/source-reader.ts";
import { rpcFailure } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";

/**
 * Sources larger than a gRPC client's 4 MiB receive limit reach the connector worker: the real
 * secrets process streams the snapshot (StreamSourceSnapshot: header, then chunks of ≤ 1 MiB) and
 * the worker's own source reader assembles it. Every value arrives intact, at one revision, and a
 * write committed while a stream is being read is wholly absent from it (one transaction).
 */
const service = useSystem({ name: "snapshot_stream_it", services: ["secrets"] });
let projectId: string;
const KIB = 1024;

beforeAll(async () => {
  const { project } = await service.secrets.createProject({ name: `stream-${randomBytes(4).toString("hex")}` });
  projectId = project!.id;
  await service.secrets.createEnvironment({ projectId, slug: "prod", name: "" });
}, 120_000);

/** A printable random value of exactly `bytes` bytes, tagged with `tag` so a reader can tell where it comes from. */
const randomValue = (tag: string, bytes: number) =>
  `${tag}:${randomBytes(bytes).toString("base64url")}`.slice(0, bytes);

/** UPSERTs `values` into prod:`path` in one BulkWriteSecrets; returns the revision written. */
async function write(path: string, values: Record<string, string>): Promise<bigint> {
  const operation = SecretWriteOperation.UPSERT;
  const writes = Object.entries(values).map(([key, value]) => ({ operation, environment: "prod", path, key, value }));
  return (await service.secrets.bulkWriteSecrets({ projectId, writes }, { deadlineMs: 60_000 })).revision;
}

const syncOf = (path: string, recursive = false) =>
  create(SecretSyncSchema, { projectId, source: { environment: "prod", path, recursive } });
/** The worker's source reader, with the internal credential and a run grant for exactly this source. */
const readAsWorker = async (path: string, recursive = false) => {
  const grant = await service.runGrants.sign({ projectId, environment: "prod", path, recursive });
  return readSource(
    service.client(SourceSnapshotService, service.serviceTokens["connector-worker"]),
    syncOf(path, recursive),
    grant,
  );
};
/** `count` values of `bytes` bytes keyed `${prefix}_i`. */
const valuesOf = (prefix: string, count: number, bytes: number) =>
  Object.fromEntries(Array.from({ length: count }, (_, i) => [`${prefix}_${i}`, randomValue(`${prefix}-${i}`, bytes)]));

describe("streamed source snapshots", () => {
  it("20 secrets of 250 KiB (5 MiB) reach the worker's source reader intact, at the revision written", async () => {
    const values = valuesOf("BIG", 20, 250 * KIB);
    const revision = await write("/big", values);

    // The single-message RPC cannot carry it to a default client: the finding, and why the worker streams.
    const request = { projectId, environment: "prod", path: "/big", recursive: false };
    const unary = await rpcFailure(service.snapshots.getSourceSnapshot(request));
    expect(unary.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(classifyFailure(unary).kind).toBe("limit_exceeded");

    const source = await readAsWorker("/big");
    expect(source.revision).toBe(revision);
    expect(source.secrets.size).toBe(20);
    for (const [key, value] of Object.entries(values)) {
      expect(source.secrets.get(key)?.value === value, `${key} arrived intact`).toBe(true);
    }

    const messages: StreamSourceSnapshotResponse[] = [];
    for await (const message of service.snapshots.streamSourceSnapshot(request)) messages.push(message);
    expect(messages.map((m) => m.part.case)).toEqual(["header", "chunk", "chunk", "chunk", "chunk", "chunk"]);
    expect(messages[0]!.part.value).toMatchObject({ revision, sourceExists: true, secretCount: 20 });
  }, 120_000);

  it("carries the header's refusals: a missing folder, collisions and unexpandable references", async () => {
    await expect(readAsWorker("/missing")).rejects.toMatchObject({ kind: "not_found" });
    await write("/tree/a", { SHARED: "a" });
    await write("/tree/b", { SHARED: "b", BROKEN: "${NOT_THERE}" });
    const failed = (path: string, recursive = false) =>
      readAsWorker(path, recursive).then(
        () => new ConnectorError("unsupported", "the read was expected to fail"),
        (e: unknown) => e as ConnectorError,
      );
    const collision = await failed("/tree", true);
    expect(collision).toMatchObject({ kind: "invalid_config" });
    expect(collision.message).toContain("SHARED (in /tree/a, /tree/b)");
    const broken = await failed("/tree/b");
    expect(broken).toMatchObject({ kind: "invalid_config" });
    expect(broken.message).toContain("NOT_THERE");
  }, 60_000);

  it("a write committed while a stream is read is entirely out of it; the next read has it entirely", async () => {
    const keys = Array.from({ length: 12 }, (_, i) => `C_${i}`);
    const generation = (g: number) => Object.fromEntries(keys.map((key) => [key, randomValue(`gen${g}`, 250 * KIB)]));
    const before = await write("/consistent", generation(1));
    const request = { projectId, environment: "prod", path: "/consistent" };
    const stream = service.snapshots.streamSourceSnapshot(request, { deadlineMs: 60_000 })[Symbol.asyncIterator]();
    const header = (await stream.next()).value as StreamSourceSnapshotResponse;
    const first = (await stream.next()).value as StreamSourceSnapshotResponse;
    const after = await write("/consistent", generation(2)); // commits while the stream is half read
    expect(after).toBeGreaterThan(before);
    const values: string[] = first.part.case === "chunk" ? first.part.value.secrets.map((s) => s.value) : [];
    for (let next = await stream.next(); !next.done; next = await stream.next()) {
      if (next.value.part.case === "chunk") values.push(...next.value.part.value.secrets.map((s) => s.value));
    }
    expect(header.part.value).toMatchObject({ revision: before, secretCount: 12 });
    expect(values.map((v) => v.slice(0, 5))).toEqual(keys.map(() => "gen1:"));
    const next = await readAsWorker("/consistent");
    expect(next.revision).toBe(after);
    expect([...next.secrets.values()].map((s) => s.value.slice(0, 5))).toEqual(keys.map(() => "gen2:"));
  }, 120_000);

  it("under concurrent writes every streamed snapshot is one write's state, the one its revision names", async () => {
    const keys = Array.from({ length: 8 }, (_, i) => `W_${i}`);
    const generation = (g: number) =>
      Object.fromEntries(keys.map((key) => [key, randomValue(`g${g}`.padEnd(6, "_"), 200 * KIB)]));
    const written = new Map<bigint, string>([[await write("/race", generation(0)), "g0____"]]);
    let writing = true;
    const writer = (async () => {
      for (let g = 1; writing && g <= 40; g++) written.set(await write("/race", generation(g)), `g${g}`.padEnd(6, "_"));
    })();
    const seen: Array<{ revision: bigint; tags: Set<string> }> = [];
    try {
      for (let read = 0; read < 12; read++) {
        const source = await readAsWorker("/race");
        const tags = new Set([...source.secrets.values()].map((s) => s.value.slice(0, 6)));
        seen.push({ revision: source.revision, tags });
      }
    } finally {
      writing = false;
      await writer;
    }
    for (const { revision, tags } of seen) {
      expect([...tags], `revision ${revision} mixes writes`).toHaveLength(1);
      expect([...tags][0], `revision ${revision}`).toBe(written.get(revision));
    }
    expect(new Set(seen.map((s) => s.revision)).size, "reads overlapped writes").toBeGreaterThan(1);
  }, 180_000);

  it("a BulkWriteSecrets over the 16 MiB receive limit is a final limit_exceeded, writing nothing", async () => {
    const { project: before } = await service.secrets.getProject({ projectId });
    const values = valuesOf("HUGE", 70, 250 * KIB);
    const error = await rpcFailure(write("/huge", values));
    expect(error.code).toBe(Code.RESOURCE_EXHAUSTED);
    expect(classifyFailure(error)).toMatchObject({ kind: "limit_exceeded" });
    expect(classifyFailure(error).message).toMatch(/exceeds the 16\.0 MiB limit/);
    expect((await service.secrets.getProject({ projectId })).project!.revision).toBe(before!.revision);
  }, 60_000);
});
