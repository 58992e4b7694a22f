import {
  GithubSecretScope,
  ImportBehavior,
  SyncState,
  type SecretSync,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { RpcError } from "@syncline/rpc";
import { beforeAll, describe, expect, it } from "vitest";
import type { FakeGitHub } from "../fakes/github/fake-github.ts";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { finishedRun, requestPlan, settledSync } from "./helpers/worker-system.ts";

/**
 * The worker against a destination that lists key names but cannot read values back (GitHub
 * Actions, through its fake): plans say so and list every key as written, pushes rewrite every
 * owned key and delete owned names the source lacks, removal deletes the owned names, and an
 * import is refused with a clear message. Pre-flight: a source with several keys the destination
 * cannot hold fails the run naming every one of them, and nothing is written.
 */
const system = useSystem({ name: "worker-write-only", services: allServices, github: true, bus: true });
let github: FakeGitHub;
let projectId: string;
let sync: SecretSync;
const scope = { repository: "acme/api" };

beforeAll(async () => {
  github = system.github;
  const { project } = await system.secrets.createProject({ name: "worker-write-only" });
  projectId = project!.id;
  await system.secrets.createEnvironment({ projectId, slug: "dev", name: "" });
  const { connection } = await system.connections.createAppConnection({
    projectId,
    name: "github",
    credentials: {
      app: { case: "github", value: { apiUrl: github.url, method: { case: "token", value: { token: github.token } } } },
    },
  });
  await system.secrets.createSecret({ projectId, environment: "dev", path: "/gh", key: "DB_PASSWORD", value: "pw-1" });
  await system.secrets.createSecret({ projectId, environment: "dev", path: "/gh", key: "TOKEN", value: "t-1" });
  github.seed(scope, { OTHER_TEAM: "not-ours", APP_STALE: "left-over" });
  sync = (
    await system.syncs.createSecretSync({
      projectId,
      name: "gh",
      source: { environment: "dev", path: "/gh" },
      connectionId: connection!.id,
      destinationConfig: {
        destination: {
          case: "githubActions",
          value: { scope: GithubSecretScope.REPOSITORY, owner: "acme", repository: "api" },
        },
      },
      keySchema: "APP_{{secretKey}}",
      autoSync: false,
    })
  ).secretSync!;
}, 120_000);

const githubHolds = (expected: Record<string, string>) =>
  eventually(
    () =>
      JSON.stringify(Object.fromEntries([...github.read(scope)].sort())) ===
      JSON.stringify(Object.fromEntries(Object.entries(expected).sort()))
        ? true
        : undefined,
    {
      describe: () => `github holds ${JSON.stringify([...github.read(scope).keys()].sort())}`,
    },
  );

describe("a destination that lists names but not values", () => {
  it("plans every key as written, says why, and deletes owned names the source lacks", async () => {
    const plan = await requestPlan(system, sync, "github_actions");
    expect(plan.error).toBe("");
    expect(plan.destinationReadable).toBe(false);
    expect(plan.note).toMatch(/not values/);
    expect(plan.createKeys).toEqual(["APP_DB_PASSWORD", "APP_TOKEN"]);
    expect(plan.deleteKeys).toEqual(["APP_STALE"]);
    expect(github.read(scope).has("APP_DB_PASSWORD")).toBe(false);
  });

  it("pushes: owned keys written, owned names the source lacks deleted, other keys untouched; later runs rewrite every key", async () => {
    const first = await system.syncs.triggerSync({ secretSyncId: sync.id });
    const done = await finishedRun(system, sync.id, first.run!.id);
    expect(done.state, done.message).toBe(SyncState.SUCCEEDED);
    await githubHolds({ OTHER_TEAM: "not-ours", APP_DB_PASSWORD: "pw-1", APP_TOKEN: "t-1" });

    await system.secrets.updateSecret({ projectId, environment: "dev", path: "/gh", key: "TOKEN", value: "t-2" });
    const second = await system.syncs.triggerSync({ secretSyncId: sync.id });
    const again = await finishedRun(system, sync.id, second.run!.id);
    expect(again.state, again.message).toBe(SyncState.SUCCEEDED);
    expect([again.keysCreated, again.keysUpdated, again.keysDeleted]).toEqual([0, 2, 0]);
    await githubHolds({ OTHER_TEAM: "not-ours", APP_DB_PASSWORD: "pw-1", APP_TOKEN: "t-2" });
  });

  it("refuses to import, saying the destination cannot be read back", async () => {
    await settledSync(system, sync.id);
    let message: string;
    try {
      const { run } = await system.syncs.importSecrets({
        secretSyncId: sync.id,
        behavior: ImportBehavior.PRIORITIZE_DESTINATION,
      });
      const done = await finishedRun(system, sync.id, run!.id);
      expect(done.state).toBe(SyncState.FAILED);
      message = done.message;
    } catch (error) {
      expect(error).toBeInstanceOf(RpcError);
      message = (error as RpcError).message;
    }
    expect(message).toMatch(/read back/);
    const { secrets } = await system.secrets.listSecrets({ projectId, environment: "dev", path: "/gh" });
    expect(secrets.map((s) => s.key).sort()).toEqual(["DB_PASSWORD", "TOKEN"]);
  });

  it("removes the owned names and nothing else", async () => {
    const { run } = await system.syncs.removeSecrets({ secretSyncId: sync.id });
    const done = await finishedRun(system, sync.id, run!.id);
    expect(done.state, done.message).toBe(SyncState.SUCCEEDED);
    expect(done.keysDeleted).toBe(2);
    await githubHolds({ OTHER_TEAM: "not-ours" });
  });
});

describe("pre-flight", () => {
  it("fails a run naming every offending key, never a value, and writes nothing", async () => {
    const put = (key: string, value: string) =>
      system.secrets.createSecret({ projectId, environment: "dev", path: "/gh-bad", key, value });
    await put("GOOD", "fine");
    await put("dotted.name", "v1");
    await put("dashed-name", "v2");
    await put("TOO_BIG", "big-value-".repeat(5000));
    const { connection } = await system.connections.createAppConnection({
      projectId,
      name: "github-pre-flight",
      credentials: {
        app: {
          case: "github",
          value: { apiUrl: github.url, method: { case: "token", value: { token: github.token } } },
        },
      },
    });
    const badSync = (
      await system.syncs.createSecretSync({
        projectId,
        name: "gh-bad",
        source: { environment: "dev", path: "/gh-bad" },
        connectionId: connection!.id,
        destinationConfig: {
          destination: {
            case: "githubActions",
            value: { scope: GithubSecretScope.REPOSITORY, owner: "acme", repository: "api" },
          },
        },
        keySchema: "PF_{{secretKey}}",
        autoSync: false,
      })
    ).secretSync!;
    const before = github.read(scope);
    const requestsBefore = github.requests.length;
    const writes = () => github.requests.slice(requestsBefore).filter((r) => r.method !== "GET").length;

    const { run } = await system.syncs.triggerSync({ secretSyncId: badSync.id });
    const done = await finishedRun(system, badSync.id, run!.id);
    expect(done.state, done.message).toBe(SyncState.FAILED);
    expect(done.message).toContain("3 secrets break the destination's rules");
    for (const key of ["dotted.name", "dashed-name", "TOO_BIG"]) expect(done.message).toContain(key);
    expect(done.message).not.toContain("GOOD");
    expect(done.message).not.toContain("big-value");
    expect(writes()).toBe(0);
    expect(github.read(scope)).toEqual(before);
  });
});
