import { existsSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { Code } from "@syncline/rpc";
import { describe, expect, it } from "vitest";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { rpcFailure } from "../support/rpc-failure.ts";
import { createVaultSync, settledSync, vaultEquals } from "../integration/helpers/worker-system.ts";
import { useWorkerTestProject } from "../integration/helpers/worker-project.ts";

/**
 * The local default, end to end: the four processes with an embedded PGlite per service (what
 * `bash deploy/local/up.sh` starts), from creating a sync to changing it. PGlite hands `bytea` back
 * differently from PostgreSQL; every store must behave the same on it.
 */
const system = useSystem({ name: "embedded-e2e", services: allServices, database: "embedded" }, { timeoutMs: 300_000 });
const project = useWorkerTestProject(system, "embedded-e2e");

describe("the four processes on embedded databases", () => {
  it("create sync → update secret → destination updated → UpdateSecretSync → a wrong-app connection refused", async () => {
    expect(Object.values(system.databases).map((d) => [d.kind, d.url])).toEqual([
      ["embedded", undefined],
      ["embedded", undefined],
      ["embedded", undefined],
    ]);
    const folder = "/api";
    await system.secrets.createSecret({
      projectId: project.projectId,
      environment: project.environment,
      path: folder,
      key: "DB_PASSWORD",
      value: "v1",
    });
    const sync = await createVaultSync(system, project, {
      path: folder,
      vaultPath: "apps/api",
      keySchema: "APP_{{secretKey}}",
    });
    await vaultEquals(system, "apps/api", { APP_DB_PASSWORD: "v1" });

    await system.secrets.updateSecret({
      projectId: project.projectId,
      environment: project.environment,
      path: folder,
      key: "DB_PASSWORD",
      value: "v2",
    });
    await vaultEquals(system, "apps/api", { APP_DB_PASSWORD: "v2" });

    // UpdateSecretSync compares the stored destination config (bytea) with the new one.
    const current = await settledSync(system, sync.id);
    const { secretSync: updated } = await system.syncs.updateSecretSync({
      secretSyncId: sync.id,
      expectedVersion: current.version,
      destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: "apps/web" } } },
      keySchema: "WEB_{{secretKey}}",
    });
    expect(updated).toMatchObject({ version: current.version + 1n, options: { keySchema: "WEB_{{secretKey}}" } });
    await vaultEquals(system, "apps/web", { WEB_DB_PASSWORD: "v2" });
    const { runs } = await system.syncs.listSyncRuns({ secretSyncId: sync.id });
    expect(runs[0]?.trigger).toBe(SyncTrigger.CONFIG_CHANGED);
    const described = await system.syncs.updateSecretSync({
      secretSyncId: sync.id,
      expectedVersion: updated!.version,
      description: "web",
    });
    expect(described.secretSync).toMatchObject({
      description: "web",
      version: updated!.version + 1n,
      destinationConfig: updated!.destinationConfig,
    });

    const { connection: github } = await system.connections.createAppConnection({
      projectId: project.projectId,
      name: "github",
      credentials: {
        app: {
          case: "github",
          value: { apiUrl: "", method: { case: "token", value: { token: `ghp_${randomBytes(12).toString("hex")}` } } },
        },
      },
      skipValidation: true,
    });
    const refused = await rpcFailure(
      system.syncs.updateSecretSync({
        secretSyncId: sync.id,
        expectedVersion: described.secretSync!.version,
        connectionId: github!.id,
      }),
    );
    expect({ code: refused.code, fields: refused.violations.map((v) => v.field) }).toEqual({
      code: Code.FAILED_PRECONDITION,
      fields: ["connection_id"],
    });
    expect((await system.syncs.getSecretSync({ secretSyncId: sync.id })).secretSync).toMatchObject({
      connectionId: project.connectionId,
      version: described.secretSync!.version,
    });
  });

  it("keeps everything across a restart of the orchestrator on its data directory, and removes the directories on stop", async () => {
    const { secretSyncs } = await system.syncs.listSecretSyncs({ projectId: project.projectId });
    expect(secretSyncs).toHaveLength(1);
    await system.services.orchestrator.kill("SIGTERM");
    await system.services.orchestrator.restart();
    const { secretSync } = await system.syncs.getSecretSync({ secretSyncId: secretSyncs[0]!.id });
    expect(secretSync).toMatchObject({
      options: { keySchema: "WEB_{{secretKey}}" },
      description: "web",
      version: secretSyncs[0]!.version,
      destinationConfig: secretSyncs[0]!.destinationConfig,
    });
    await system.secrets.updateSecret({
      projectId: project.projectId,
      environment: project.environment,
      path: "/api",
      key: "DB_PASSWORD",
      value: "v3",
    });
    await vaultEquals(system, "apps/web", { WEB_DB_PASSWORD: "v3" });

    const dataDirs = Object.values(system.databases).map((d) => d.dataDir!);
    expect(dataDirs.every((dir) => existsSync(dir))).toBe(true);
    await system.stop();
    expect(dataDirs.filter((dir) => existsSync(dir))).toEqual([]);
  });
});
