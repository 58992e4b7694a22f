import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { gitlabApp } from "../../packages/connectors/gitlab-ci-cd/gitlab-app.ts";
import {
  GITLAB_VARIABLES_PER_SCOPE,
  gitlabCiCdLimits,
} from "../../packages/connectors/gitlab-ci-cd/gitlab-ci-cd-config.ts";
import { gitlabCiCdDestination } from "../../packages/connectors/gitlab-ci-cd/gitlab-ci-cd-destination.ts";
import { ownerDescription } from "../../packages/connectors/gitlab-ci-cd/gitlab-ownership.ts";
import { startFakeGitLab, type FakeGitLab } from "../fakes/gitlab/fake-gitlab.ts";
import {
  describeDestinationConformance,
  diffOf,
  expectConnectorError,
  expectNoSecrets,
  unreachableUrl,
} from "./conformance.ts";
import { gitlabConnector, gitlabCredentials } from "./gitlab-fixtures.ts";
import { fakesEndpointGuard } from "./vault-fixtures.ts";

const badToken = "glpat-not-a-token-known-to-gitlab";
const project = { project: "acme/api" } as const;

describeDestinationConformance(
  "GitLab CI/CD variables",
  async () => {
    const gitlab = await startFakeGitLab();
    return {
      connector: gitlabConnector({ url: gitlab.url, token: gitlab.token }),
      connectorWithBadCredentials: gitlabConnector({ url: gitlab.url, token: badToken }),
      unreachableConnector: gitlabConnector({ url: await unreachableUrl(), token: gitlab.token }),
      credentialTexts: [gitlab.token, badToken],
      async seed(entries) {
        gitlab.seed(project, entries);
      },
      inspect: async () => gitlab.read(project),
      failNext: (count, status) => gitlab.faults.failNext(count, status),
      rateLimitNext: (count, seconds) => gitlab.faults.rateLimitNext(count, seconds),
      connect: ({ calls, signal }) =>
        gitlabConnector({ url: gitlab.url, token: gitlab.token, ...(calls && { calls }), ...(signal && { signal }) }),
      setLatency: (ms) => gitlab.faults.setLatency(ms),
      hangNext: (count) => gitlab.faults.hangNext(count),
      // An apply lists the project's variables first, then writes one variable per request.
      failAfterWrites: (writes) => gitlab.faults.failAfter(writes + 1),
      writeCount: () => gitlab.requests.filter((r) => r.method !== "GET" && r.status >= 200 && r.status < 300).length,
      close: () => gitlab.close(),
    };
  },
  gitlabCiCdDestination.capabilities,
  { limits: gitlabCiCdLimits, capacity: GITLAB_VARIABLES_PER_SCOPE.project },
);

describe("GitLab CI/CD connector", () => {
  let gitlab: FakeGitLab;
  const owner = { syncId: "sync-1", projectId: "proj-1" };
  const other = { syncId: "sync-2", projectId: "proj-1" };
  beforeEach(async () => {
    gitlab = await startFakeGitLab({ tokens: [{ token: "glpat-owner" }, { token: "glpat-dev", role: "developer" }] });
  });
  afterEach(async () => {
    await gitlab.close();
  });

  it("writes only its environment scope, with filter[environment_scope], and leaves other scopes alone", async () => {
    gitlab.seed(project, { A: "star" });
    const production = gitlabConnector({
      url: gitlab.url,
      token: "glpat-owner",
      config: { environmentScope: "production" },
    });
    expect(await production.list()).toEqual(new Map());
    expect(await production.apply(diffOf({ create: { A: "prod" } }))).toEqual({
      created: ["A"],
      updated: [],
      deleted: [],
    });
    expect(await production.apply(diffOf({ update: { A: "prod-2" } }))).toEqual({
      created: [],
      updated: ["A"],
      deleted: [],
    });
    expect(await production.remove(["A"])).toEqual({ created: [], updated: [], deleted: ["A"] });
    expect(gitlab.read(project)).toEqual(new Map([["A", "star"]]));
    expect(gitlab.requests.filter((r) => r.method === "PUT" || r.method === "DELETE").map((r) => r.path)).toEqual([
      "/api/v4/projects/acme%2Fapi/variables/A?filter%5Benvironment_scope%5D=production",
      "/api/v4/projects/acme%2Fapi/variables/A?filter%5Benvironment_scope%5D=production",
    ]);
  });

  it("sets the configured flags and marks the owning sync in the description", async () => {
    const connector = gitlabConnector({
      url: gitlab.url,
      token: "glpat-owner",
      config: { protected: true, masked: true, raw: true },
      owner,
    });
    await connector.apply(diffOf({ create: { TOKEN: "pa$$w0rd!long" } }));
    expect(gitlab.variables(project)).toEqual([
      expect.objectContaining({
        key: "TOKEN",
        protected: true,
        masked: true,
        raw: true,
        hidden: false,
        description: ownerDescription(owner),
      }),
    ]);
  });

  it("refuses values GitLab cannot mask before any call, naming every offending key and no value", async () => {
    const connector = gitlabConnector({ url: gitlab.url, token: "glpat-owner", config: { masked: true } });
    const error = await expectConnectorError(
      connector.apply(diffOf({ create: { SHORT: "abc", SPACED: "has spaces in it", GOOD: "abcdefgh12" } })),
      "invalid_config",
    );
    expect(error.message).toContain("SHORT");
    expect(error.message).toContain("SPACED");
    expect(error.message).not.toContain("GOOD");
    expectNoSecrets(error, ["abc", "has spaces in it"]);
    expect(gitlab.requests).toEqual([]);
  });

  it("writes hidden variables, never reads their values back, and rewrites them as updates", async () => {
    const connector = gitlabConnector({
      url: gitlab.url,
      token: "glpat-owner",
      config: { masked: true, hidden: true },
    });
    expect(await connector.apply(diffOf({ create: { H: "hidden-value-1" } }))).toMatchObject({ created: ["H"] });
    expect(gitlab.variables(project)[0]).toMatchObject({ hidden: true, masked: true });
    expect(await connector.list()).toEqual(new Map());
    expect(await connector.apply(diffOf({ create: { H: "hidden-value-2" } }))).toEqual({
      created: [],
      updated: ["H"],
      deleted: [],
    });
    expect(gitlab.read(project).get("H")).toBe("hidden-value-2");
  });

  it("never overwrites another sync's variables, and deletes only its own", async () => {
    gitlab.seed(project, { THEIRS: "t" }, { description: ownerDescription(other) });
    gitlab.seed(project, { NOBODYS: "n" });
    gitlab.seed(project, { MINE: "m" }, { description: ownerDescription(owner) });
    const connector = gitlabConnector({ url: gitlab.url, token: "glpat-owner", owner });
    const error = await expectConnectorError(
      connector.apply(diffOf({ update: { THEIRS: "x", MINE: "y" } })),
      "conflict",
    );
    expect(error.message).toContain("THEIRS");
    expect(gitlab.read(project).get("MINE")).toBe("m");
    expect(await connector.apply(diffOf({ delete: ["THEIRS", "NOBODYS", "MINE"] }))).toEqual({
      created: [],
      updated: [],
      deleted: ["MINE"],
    });
    gitlab.seed(project, { MINE: "m" }, { description: ownerDescription(owner) });
    expect(await connector.remove(["THEIRS", "NOBODYS", "MINE", "ABSENT"])).toEqual({
      created: [],
      updated: [],
      deleted: ["MINE"],
    });
    expect([...gitlab.read(project).keys()].sort()).toEqual(["NOBODYS", "THEIRS"]);
  });

  it("adopts an unowned variable it updates, marking it as its own", async () => {
    gitlab.seed(project, { LEGACY: "old" });
    const connector = gitlabConnector({ url: gitlab.url, token: "glpat-owner", owner });
    expect(await connector.apply(diffOf({ update: { LEGACY: "new" } }))).toMatchObject({ updated: ["LEGACY"] });
    expect(gitlab.variables(project)[0]).toMatchObject({ value: "new", description: ownerDescription(owner) });
  });

  it("lists every page of a group's variables", async () => {
    const entries = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`K${i}`, `v${i}`]));
    gitlab.seed({ group: "acme" }, entries);
    const connector = gitlabConnector({ url: gitlab.url, token: "glpat-owner", config: { scope: 2, path: "acme" } });
    expect(await connector.list()).toEqual(new Map(Object.entries(entries)));
    expect(gitlab.requests.map((r) => r.path)).toEqual([
      "/api/v4/groups/acme/variables?page=1&per_page=100",
      "/api/v4/groups/acme/variables?page=2&per_page=100",
      "/api/v4/groups/acme/variables?page=3&per_page=100",
    ]);
  });

  it("classifies a missing project as not_found and a refused role as auth, naming what to check", async () => {
    const missing = gitlabConnector({ url: gitlab.url, token: "glpat-owner", config: { path: "acme/nope" } });
    const notFound = await expectConnectorError(missing.validate(), "not_found");
    expect(notFound.message).toContain("destination_config.gitlab_ci_cd");
    const developer = gitlabConnector({ url: gitlab.url, token: "glpat-dev" });
    const refused = await expectConnectorError(developer.validate(), "auth");
    expect(refused.message).toContain("Maintainer");
    expectNoSecrets(refused, ["glpat-dev"]);
  });

  it("refuses an internal instance URL through the endpoint guard before any call", async () => {
    const { createEndpointGuard } = await import("../../packages/connectors/contract/index.ts");
    const strict = createEndpointGuard({ allowlist: [] });
    const connector = gitlabConnector({ url: gitlab.url, token: "glpat-owner", endpointGuard: strict });
    await expectConnectorError(connector.validate(), "invalid_config");
    expect(gitlab.requests).toEqual([]);
  });
});

describe("GitLab app", () => {
  let gitlab: FakeGitLab;
  beforeEach(async () => {
    gitlab = await startFakeGitLab({ tokens: [{ token: "glpat-live", kind: "project" }] });
  });
  afterEach(async () => {
    await gitlab.close();
  });

  it("validates a live token with personal_access_tokens/self", async () => {
    await gitlabApp.validateLive(
      gitlabCredentials({ instanceUrl: gitlab.url, token: "glpat-live" }),
      undefined,
      fakesEndpointGuard,
    );
    expect(gitlab.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /api/v4/personal_access_tokens/self 200",
    ]);
  });

  it("says what failed: authentication (401) or the network, never echoing the token", async () => {
    const refused = await expectConnectorError(
      gitlabApp.validateLive(
        gitlabCredentials({ instanceUrl: gitlab.url, token: badToken }),
        undefined,
        fakesEndpointGuard,
      ),
      "auth",
    );
    expectNoSecrets(refused, [badToken]);
    const unreachable = await expectConnectorError(
      gitlabApp.validateLive(
        gitlabCredentials({ instanceUrl: await unreachableUrl(), token: "glpat-live" }),
        undefined,
        fakesEndpointGuard,
      ),
      "transient",
    );
    expect(unreachable.message).toContain("could not reach GitLab");
  });

  it("shows back only the instance URL, and normalises it as the instance", () => {
    const credentials = gitlabCredentials({ instanceUrl: "", token: "glpat-live" });
    const redacted = gitlabApp.redact(credentials);
    expect(redacted.app).toEqual({
      case: "gitlab",
      value: expect.objectContaining({ instanceUrl: "https://gitlab.com" }),
    });
    expect(JSON.stringify(redacted)).not.toContain("glpat-live");
    expect(gitlabApp.instanceOf({ instanceUrl: "https://GitLab.example.com/" } as never)).toBe(
      "https://gitlab.example.com",
    );
  });
});
