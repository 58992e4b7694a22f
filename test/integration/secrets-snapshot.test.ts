import { randomUUID } from "node:crypto";
import { SecretWriteOperation } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { describe, expect, it } from "vitest";
import { expectInvalid } from "../support/rpc-failure.ts";
import { useSystem } from "../support/use-system.ts";
import { createSourceFixture } from "./helpers/source-fixture.ts";

/**
 * GetSourceSnapshot as connector workers call it: a recursive snapshot flattens the subtree (and
 * only it), each secret carrying its folder, environment and metadata, values expanded; keys that
 * more than one folder provides are reported as collisions instead of being resolved; a snapshot is
 * one consistent read at its revision; malformed requests are refused naming each field.
 */
const service = useSystem({ name: "snapshot_it", services: ["secrets"], sourceEvents: true });

const api = () => service.secrets;

describe("recursive snapshots", () => {
  it("flattens the subtree with paths, environments and metadata, and reports collisions between folders", async () => {
    const f = await createSourceFixture(service, ["dev", "prod"]);
    await f.put("dev", "/api", { A: "a", SHARED: "api" });
    await api().createSecret({
      projectId: f.projectId,
      environment: "dev",
      path: "/api/db",
      key: "B",
      value: "b",
      metadata: { owner: "team-db", tier: "1" },
    });
    await f.put("dev", "/api/db", { SHARED: "db" });
    await f.put("dev", "/api/db/deep", { C: "${dev.api.db.B}-c" });
    await f.put("dev", "/apiary", { Z: "not below /api" });
    await f.put("prod", "/common", { A: "common-a", COMMON: "common" });
    for (const path of ["/api/web", "/api/mobile"]) {
      await api().createFolder({ projectId: f.projectId, environment: "dev", path });
      await api().createSecretImport({
        projectId: f.projectId,
        environment: "dev",
        path,
        importEnvironment: "prod",
        importPath: "/common",
        position: 0,
      });
    }

    const recursive = await service.snapshots.getSourceSnapshot({
      projectId: f.projectId,
      environment: "dev",
      path: "/api/",
      recursive: true,
    });
    expect(recursive.revision).toBe(await f.revision());
    expect(recursive.sourceExists).toBe(true);
    expect(recursive.secrets.map((s) => `${s.key}@${s.environment}:${s.path}=${s.value}`)).toEqual([
      "A@dev:/api=a",
      "A@prod:/common=common-a",
      "B@dev:/api/db=b",
      "C@dev:/api/db/deep=b-c",
      "COMMON@prod:/common=common", // imported twice from the same folder: one secret, no collision
      "SHARED@dev:/api=api",
      "SHARED@dev:/api/db=db",
    ]);
    expect(recursive.secrets.find((s) => s.key === "B")!.metadata).toEqual({ owner: "team-db", tier: "1" });
    expect(recursive.collisions.map((c) => ({ key: c.key, paths: c.paths }))).toEqual([
      { key: "A", paths: ["/api", "prod:/common"] },
      { key: "SHARED", paths: ["/api", "/api/db"] },
    ]);
    expect(recursive.referenceProblems).toEqual([]);

    const flat = await f.snapshot("dev", "/api");
    expect(flat).toEqual({ lines: ["A@dev:/api=a", "SHARED@dev:/api=api"], collisions: [], problems: [] });
    const root = await f.snapshot("dev", "/", true);
    expect(root.lines).toContain("Z@dev:/apiary=not below /api");
    expect((await f.snapshot("dev", "/api/db/deep", true)).lines).toEqual(["C@dev:/api/db/deep=b-c"]);
  });

  it("says when the source does not exist", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const at = { projectId: f.projectId, environment: "dev", recursive: true };
    expect(await service.snapshots.getSourceSnapshot({ ...at, path: "/missing" })).toMatchObject({
      sourceExists: false,
      secrets: [],
      collisions: [],
      revision: await f.revision(),
    });
    expect(await service.snapshots.getSourceSnapshot({ ...at, environment: "prod", path: "/" })).toMatchObject({
      sourceExists: false,
      secrets: [],
    });
    expect(await service.snapshots.getSourceSnapshot({ ...at, projectId: randomUUID(), path: "/" })).toMatchObject({
      sourceExists: false,
      revision: 0n,
    });
  });

  it("reads values and revision in one snapshot while bulk writes commit", async () => {
    const f = await createSourceFixture(service, ["dev"]);
    const keys = Array.from({ length: 200 }, (_, i) => `K${i}`);
    const valueAt = new Map<bigint, string>();
    const bulk = async (round: number) => {
      const { revision } = await api().bulkWriteSecrets({
        projectId: f.projectId,
        writes: keys.map((key, i) => ({
          operation: SecretWriteOperation.UPSERT,
          environment: "dev",
          path: i % 2 ? "/s/odd" : "/s",
          key,
          value: `round-${round}`,
        })),
      });
      valueAt.set(revision, `round-${round}`);
    };
    await bulk(0);
    const snapshots: Array<{ revision: bigint; values: string[] }> = [];
    const writer = (async () => {
      for (let round = 1; round <= 15; round++) await bulk(round);
    })();
    const reader = (async () => {
      for (let i = 0; i < 40; i++) {
        const s = await service.snapshots.getSourceSnapshot({
          projectId: f.projectId,
          environment: "dev",
          path: "/s",
          recursive: true,
        });
        snapshots.push({ revision: s.revision, values: s.secrets.map((x) => x.value) });
      }
    })();
    await Promise.all([writer, reader]);
    for (const s of snapshots) {
      expect(s.values).toHaveLength(keys.length);
      expect(new Set(s.values)).toEqual(new Set([valueAt.get(s.revision)]));
    }
  });
});

describe("refused snapshot requests", () => {
  it("answers INVALID_ARGUMENT naming every field at fault", async () => {
    const snap = service.snapshots;
    const ok = { projectId: randomUUID(), environment: "dev", path: "/", recursive: true };
    await expectInvalid(snap.getSourceSnapshot({ ...ok, projectId: "'; select pg_sleep(10); --" }), ["project_id"]);
    await expectInvalid(snap.getSourceSnapshot({ ...ok, environment: "../prod" }), ["environment"]);
    await expectInvalid(snap.getSourceSnapshot({ ...ok, path: "/a/../../b" }), ["path"]);
    await expectInvalid(snap.getSourceSnapshot({ ...ok, path: `/${"x/".repeat(300)}` }), ["path"]);
    await expectInvalid(snap.getSourceSnapshot({ ...ok, path: "/a\u0000" }), ["path"]);
    await expectInvalid(snap.getSourceSnapshot({ projectId: "", environment: "", path: "", recursive: false }), [
      "project_id",
      "environment",
      "path",
    ]);
  });
});
