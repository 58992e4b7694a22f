import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitlabVariableScope } from "@syncline/gen/syncline/syncs/v1/gitlab_destination_pb.js";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { ownerDescription } from "../../packages/connectors/gitlab-ci-cd/gitlab-ownership.ts";
import { startFakeGitLab, type FakeGitLab } from "../fakes/gitlab/fake-gitlab.ts";
import { eventually } from "../support/eventually.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { measurePropagation } from "../support/propagation-latency.ts";

/**
 * One GitLab CI/CD sync end to end through the four services: secrets → orchestrator → worker →
 * (fake) GitLab REST API, with masking, environment scopes, ownership in descriptions and the
 * duplicate-destination check.
 */
const system = useSystem({ name: "gitlab-ci-cd-e2e", services: allServices, vault: false });
const env = "dev";
const project = { project: "acme/api" } as const;
let gitlab: FakeGitLab;
let projectId: string;
let connectionId: string;

beforeAll(async () => {
  gitlab = await startFakeGitLab();
  const created = await system.secrets.createProject({ name: "gitlab-e2e" });
  projectId = created.project!.id;
  await system.secrets.createEnvironment({ projectId, slug: env, name: "" });
  const { connection } = await system.connections.createAppConnection({
    projectId,
    name: "gitlab",
    credentials: {
      app: {
        case: "gitlab",
        value: { instanceUrl: gitlab.url, method: { case: "token", value: { token: gitlab.token } } },
      },
    },
  });
  connectionId = connection!.id;
}, 120_000);

afterAll(() => gitlab?.close());

const put = (path: string, key: string, value: string) =>
  system.secrets.createSecret({ projectId, environment: env, path, key, value });
const update = (path: string, key: string, value: string) =>
  system.secrets.updateSecret({ projectId, environment: env, path, key, value });
const remove = (path: string, key: string) => system.secrets.deleteSecret({ projectId, environment: env, path, key });

function createSync(
  name: string,
  path: string,
  config: { environmentScope?: string; masked?: boolean; protected?: boolean },
  keySchema = "",
) {
  return system.syncs.createSecretSync({
    projectId,
    name,
    source: { environment: env, path },
    connectionId,
    destinationConfig: {
      destination: {
        case: "gitlabCiCd",
        value: { scope: GitlabVariableScope.PROJECT, path: "acme/api", ...config },
      },
    },
    keySchema,
  });
}

/** Waits until the fake's variables of `scope` equal `expected` exactly. */
function variablesEqual(scope: string, expected: Record<string, string>, timeoutMs = 30_000) {
  const text = () => JSON.stringify(Object.fromEntries([...gitlab.read(project, scope)].sort()));
  const want = JSON.stringify(Object.fromEntries(Object.entries(expected).sort()));
  return eventually(() => (text() === want ? true : undefined), {
    timeoutMs,
    describe: () => `gitlab ${scope} keys = ${JSON.stringify([...gitlab.read(project, scope).keys()].sort())}`,
  });
}

describe("a secret change reaches GitLab CI/CD variables through every service", () => {
  it("proves a connection's token live, and refuses one GitLab does not accept without echoing it", async () => {
    expect(gitlab.requests.some((r) => r.path === "/api/v4/personal_access_tokens/self" && r.status === 200)).toBe(
      true,
    );
    const refused = system.connections.createAppConnection({
      projectId,
      name: "gitlab-bad-token",
      credentials: {
        app: {
          case: "gitlab",
          value: { instanceUrl: gitlab.url, method: { case: "token", value: { token: "glpat-revoked-token" } } },
        },
      },
    });
    const error = await refused.then(
      () => expect.fail("expected the connection to be refused"),
      (e: Error) => e,
    );
    expect(error.message).toMatch(/401|token/);
    expect(error.message).not.toContain("glpat-revoked-token");
  });

  it("pushes with the key schema and flags, marks the owning sync, and leaves unowned variables alone", async () => {
    await put("/api", "DB_PASSWORD", "pw-000001");
    await put("/api", "API_KEY", "key-000001");
    gitlab.seed(project, { UNOWNED: "keep-me" }, { environmentScope: "production" });
    const { secretSync } = await createSync(
      "api-to-gitlab",
      "/api",
      { environmentScope: "production", masked: true, protected: true },
      "APP_{{secretKey}}",
    );
    await variablesEqual("production", { UNOWNED: "keep-me", APP_DB_PASSWORD: "pw-000001", APP_API_KEY: "key-000001" });
    const owned = gitlab.variables(project).filter((v) => v.key.startsWith("APP_"));
    const owner = { syncId: secretSync!.id, projectId };
    expect(owned.every((v) => v.masked && v.protected && v.description === ownerDescription(owner))).toBe(true);

    await update("/api", "DB_PASSWORD", "pw-000002");
    await remove("/api", "API_KEY");
    await variablesEqual("production", { UNOWNED: "keep-me", APP_DB_PASSWORD: "pw-000002" });
  });

  it("refuses a second sync on an overlapping environment scope with overlapping keys, not on another scope", async () => {
    await expect(
      createSync("same-scope", "/api", { environmentScope: "production" }, "APP_{{secretKey}}"),
    ).rejects.toThrow(/overlap|already|duplicate/i);
    await expect(createSync("all-scopes", "/api", { environmentScope: "*" }, "APP_{{secretKey}}")).rejects.toThrow(
      /overlap|already|duplicate/i,
    );
    await put("/staging", "DB_PASSWORD", "staging-pw");
    await createSync("staging", "/staging", { environmentScope: "staging" }, "APP_{{secretKey}}");
    await variablesEqual("staging", { APP_DB_PASSWORD: "staging-pw" });
  });

  it("removes only its own variables when deleted with remove_secrets", async () => {
    await put("/removal", "TOKEN", "t-1");
    gitlab.seed(project, { FOREIGN: "kept" }, { environmentScope: "removal" });
    const { secretSync } = await createSync("removal", "/removal", { environmentScope: "removal" });
    await variablesEqual("removal", { FOREIGN: "kept", TOKEN: "t-1" });
    await system.syncs.deleteSecretSync({ secretSyncId: secretSync!.id, removeSecrets: true });
    await variablesEqual("removal", { FOREIGN: "kept" });
  });

  it("fails a run whose values GitLab cannot mask, naming every offending key, writing nothing", async () => {
    await put("/masked", "SHORT", "abc");
    await put("/masked", "SPACED", "has spaces here");
    await put("/masked", "FINE", "fine-value-1");
    const { secretSync } = await createSync("masked", "/masked", { environmentScope: "masked", masked: true });
    const failed = await eventually(async () => {
      const { secretSync: current } = await system.syncs.getSecretSync({ secretSyncId: secretSync!.id });
      return current?.syncStatus?.state === SyncState.FAILED ? current : undefined;
    });
    expect(failed.syncStatus?.message).toContain("SHORT");
    expect(failed.syncStatus?.message).toContain("SPACED");
    expect(failed.syncStatus?.message).not.toContain("has spaces here");
    expect(gitlab.read(project, "masked")).toEqual(new Map());
  });

  it("measures propagation latency to the fake (printed, never asserted)", { timeout: 120_000 }, async () => {
    await put("/latency", "COUNTER", "0");
    await createSync("latency", "/latency", { environmentScope: "latency" });
    await variablesEqual("latency", { COUNTER: "0" });
    await measurePropagation("GitLab CI/CD", async (i) => {
      const value = `value-${i}`;
      const sent = Date.now();
      await update("/latency", "COUNTER", value);
      const written = await eventually(
        () => gitlab.writeLog().find((w) => w.destination === "project acme/api:latency" && w.value === value),
        { timeoutMs: 30_000 },
      );
      return written.at - sent;
    });
  });
});
