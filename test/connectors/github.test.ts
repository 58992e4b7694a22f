import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { GithubSecretVisibility } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  GITHUB_SECRETS_PER_SCOPE,
  githubActionsLimits,
} from "../../packages/connectors/github/github-actions-config.ts";
import { githubActionsDestination } from "../../packages/connectors/github/github-actions-destination.ts";
import { createGitHubClient } from "../../packages/connectors/github/github-client.ts";
import { startFakeGitHub, type FakeGitHub } from "../fakes/github/fake-github.ts";
import {
  describeDestinationConformance,
  diffOf,
  expectConnectorError,
  expectNoSecrets,
  unreachableUrl,
} from "./conformance.ts";
import { githubConnector, githubScopes, type GitHubConfigFields } from "./github-fixtures.ts";

const badToken = "ghp_notATokenGitHubKnows000000000000000";

for (const [name, scope] of Object.entries(githubScopes)) {
  describeDestinationConformance(
    `GitHub Actions (${name} scope)`,
    async () => {
      const github = await startFakeGitHub();
      return {
        connector: githubConnector({ url: github.url, token: github.token, config: scope.config }),
        connectorWithBadCredentials: githubConnector({ url: github.url, token: badToken, config: scope.config }),
        unreachableConnector: githubConnector({
          url: await unreachableUrl(),
          token: github.token,
          config: scope.config,
        }),
        credentialTexts: [github.token, badToken],
        seed: async (entries) => github.seed(scope.fake, entries),
        inspect: async () => github.read(scope.fake),
        failNext: (count, status) => github.faults.failNext(count, status),
        rateLimitNext: (count, seconds) => github.faults.rateLimitNext(count, seconds),
        connect: ({ calls, signal }) =>
          githubConnector({
            url: github.url,
            token: github.token,
            config: scope.config,
            ...(calls && { calls }),
            ...(signal && { signal }),
          }),
        setLatency: (ms) => github.faults.setLatency(ms),
        hangNext: (count) => github.faults.hangNext(count),
        // An apply reads the scope's public key first, then writes one secret per request.
        failAfterWrites: (writes) => github.faults.failAfter(writes + 1),
        writeCount: () =>
          github.requests.filter((r) => ["PUT", "DELETE"].includes(r.method) && r.status < 300 && r.status >= 200)
            .length,
        close: () => github.close(),
      };
    },
    githubActionsDestination.capabilities,
    // GitHub's documented limits: 100 secrets per repository or environment, 1,000 per organization.
    { limits: githubActionsLimits, capacity: GITHUB_SECRETS_PER_SCOPE[name as keyof typeof GITHUB_SECRETS_PER_SCOPE] },
  );
}

describe("GitHub Actions connector", () => {
  let github: FakeGitHub;
  beforeEach(async () => {
    github = await startFakeGitHub({
      tokens: [
        { token: "ghp_writer0000000000000000000000000000" },
        { token: "ghp_reader0000000000000000000000000000", access: "read" },
      ],
      moved: { "acme/old-api": "acme/api" },
    });
  });
  afterEach(async () => {
    await github.close();
  });
  const connector = (config: GitHubConfigFields = githubScopes.repository.config, token = github.token) =>
    githubConnector({ url: github.url, token, config });
  const requestLines = () => github.requests.map((r) => `${r.method} ${r.path} ${r.status}`);

  it("seals each value to the scope's public key, fetched once per apply, and GitHub opens it to the exact value", async () => {
    const values = { DB_PASSWORD: "pä$$w0rd with spaces\nand a newline", EMPTY: "", JSON: '{"a":[1,2]}' };
    await connector().apply(diffOf({ create: values }));
    expect(github.read(githubScopes.repository.fake)).toEqual(new Map(Object.entries(values)));
    expect(requestLines()).toEqual([
      "GET /repos/acme/api/actions/secrets/public-key 200",
      "PUT /repos/acme/api/actions/secrets/DB_PASSWORD 201",
      "PUT /repos/acme/api/actions/secrets/EMPTY 201",
      "PUT /repos/acme/api/actions/secrets/JSON 201",
    ]);
  });

  it("reports what GitHub did: 201 created, 204 updated (an unchanged value is still rewritten), 404 on delete is not a deletion", async () => {
    github.seed(githubScopes.repository.fake, { SAME: "v", OLD: "x" });
    const before = github.secret(githubScopes.repository.fake, "SAME")!;
    const outcome = await connector().apply(
      diffOf({ create: { NEW: "n" }, update: { SAME: "v" }, delete: ["OLD", "NEVER_THERE"] }),
    );
    expect(outcome).toEqual({ created: ["NEW"], updated: ["SAME"], deleted: ["OLD"] });
    expect(requestLines()).toContain("PUT /repos/acme/api/actions/secrets/SAME 204");
    expect(requestLines()).toContain("DELETE /repos/acme/api/actions/secrets/NEVER_THERE 404");
    expect(github.secret(githubScopes.repository.fake, "SAME")?.createdAt).toBe(before.createdAt);
  });

  it("deletes without fetching a public key when nothing is written", async () => {
    github.seed(githubScopes.repository.fake, { A: "1" });
    expect(await connector().apply(diffOf({ delete: ["A"] }))).toEqual({ created: [], updated: [], deleted: ["A"] });
    expect(requestLines()).toEqual(["DELETE /repos/acme/api/actions/secrets/A 204"]);
  });

  it("writes and reports names upper-cased, as GitHub stores them, and never deletes a name it writes in the same apply", async () => {
    const outcome = await connector().apply(diffOf({ create: { db_url: "postgres://x" }, delete: ["DB_URL"] }));
    expect(outcome).toEqual({ created: ["DB_URL"], updated: [], deleted: [] });
    expect(github.read(githubScopes.repository.fake)).toEqual(new Map([["DB_URL", "postgres://x"]]));
    expect(await connector().listKeys!()).toEqual(new Set(["DB_URL"]));
    expect(await connector().remove(["db_url"])).toEqual({ created: [], updated: [], deleted: ["DB_URL"] });
  });

  it("refuses keys GitHub cannot name, keys that differ only in case, oversized values and too many secrets before any call", async () => {
    for (const key of ["GITHUB_TOKEN", "github_sha", "1ABC", "A-B", "A.B", "ÄPFEL", ""]) {
      const error = await expectConnectorError(connector().apply(diffOf({ create: { [key]: "v" } })), "invalid_config");
      expect(error.message).toContain("not a valid GitHub secret name");
    }
    const twins = await expectConnectorError(
      connector().apply(diffOf({ create: { Token: "1", TOKEN: "2" } })),
      "invalid_config",
    );
    expect(twins.message).toContain("same GitHub secret TOKEN");
    const big = await expectConnectorError(
      connector().apply(diffOf({ create: { BIG: "x".repeat(48 * 1024 + 1) } })),
      "limit_exceeded",
    );
    expect(big.message).toContain("BIG");
    const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`S_${i}`, "v"]));
    const tooMany = await expectConnectorError(connector().apply(diffOf({ create: many })), "limit_exceeded");
    expect(tooMany.message).toContain("at most 100 in repository acme/api");
    await expectConnectorError(connector().remove(["BAD-NAME"]), "invalid_config");
    expect(github.requests).toEqual([]);
    await connector(githubScopes.organization.config).apply(diffOf({ create: many }));
    expect(github.read(githubScopes.organization.fake).size).toBe(101);
  });

  it("lists every name across pages, 100 at a time, never values", async () => {
    const names = Array.from({ length: 150 }, (_, i) => `ORG_SECRET_${String(i).padStart(3, "0")}`);
    github.seed(githubScopes.organization.fake, Object.fromEntries(names.map((n) => [n, `value-${n}`])));
    expect(await connector(githubScopes.organization.config).listKeys!()).toEqual(new Set(names));
    expect(requestLines()).toEqual([
      "GET /orgs/acme/actions/secrets?per_page=100&page=1 200",
      "GET /orgs/acme/actions/secrets?per_page=100&page=2 200",
    ]);
  });

  it("follows GitHub's Link header over more than 30 secrets with smaller pages", async () => {
    const names = Array.from({ length: 75 }, (_, i) => `S_${i}`);
    github.seed(githubScopes.environment.fake, Object.fromEntries(names.map((n) => [n, "v"])));
    const client = createGitHubClient({ apiUrl: github.url, token: github.token, pageSize: 30 });
    const listed = await client.listSecretNames({
      scope: "environment",
      owner: "acme",
      repository: "api",
      environment: "production",
    });
    expect(listed.sort()).toEqual([...names].sort());
    expect(github.requests.map((r) => r.path)).toEqual(
      [1, 2, 3].map((page) => `/repos/acme/api/environments/production/secrets?per_page=30&page=${page}`),
    );
  });

  it("writes organization secrets with the configured visibility and selected repositories", async () => {
    const apiId = github.repositoryId("acme/api");
    const selected = {
      ...githubScopes.organization.config,
      visibility: GithubSecretVisibility.SELECTED,
      selectedRepositoryIds: [BigInt(apiId)],
    };
    await connector(selected).apply(diffOf({ create: { SHARED: "s" } }));
    expect(github.secret(githubScopes.organization.fake, "SHARED")).toMatchObject({
      value: "s",
      visibility: "selected",
      selectedRepositoryIds: [apiId],
    });
    await connector({ ...githubScopes.organization.config, visibility: GithubSecretVisibility.ALL }).apply(
      diffOf({ update: { SHARED: "s2" } }),
    );
    expect(github.secret(githubScopes.organization.fake, "SHARED")).toMatchObject({
      value: "s2",
      visibility: "all",
      selectedRepositoryIds: [],
    });
    const outside = { ...selected, selectedRepositoryIds: [99_999n] };
    const error = await expectConnectorError(
      connector(outside).apply(diffOf({ create: { X: "x" } })),
      "invalid_config",
    );
    expect(error.message).toContain("422");
  });

  it("names the config field to fix when the repository, environment or organization does not exist", async () => {
    const repo = await expectConnectorError(
      connector({ ...githubScopes.repository.config, repository: "nope" }).validate(),
      "not_found",
    );
    expect(repo.message).toContain("repository acme/nope");
    expect(repo.message).toContain("destination_config.github_actions.owner and .repository");
    const env = await expectConnectorError(
      connector({ ...githubScopes.environment.config, environment: "staging" }).listKeys!(),
      "not_found",
    );
    expect(env.message).toContain('environment "staging" must exist');
    const org = await expectConnectorError(
      connector({ ...githubScopes.organization.config, owner: "umbrella" }).apply(diffOf({ create: { A: "1" } })),
      "not_found",
    );
    expect(org.message).toContain("organization umbrella");
  });

  it("classifies a token without write permission as auth, naming the permission, without echoing it", async () => {
    const reader = "ghp_reader0000000000000000000000000000";
    await connector(undefined, reader).validate();
    const error = await expectConnectorError(
      connector(undefined, reader).apply(diffOf({ create: { A: "secret-value-1" } })),
      "auth",
    );
    expect(error.message).toContain('repository permission "Secrets"');
    expectNoSecrets(error, [reader, "secret-value-1"]);
  });

  it("classifies GitHub's primary and secondary rate limits as rate_limited with its wait", async () => {
    github.faults.exhaustQuotaNext(1, 120);
    const primary = await expectConnectorError(connector().listKeys!(), "rate_limited");
    expect(primary.retryAfterMs).toBeGreaterThan(100_000);
    expect(primary.retryAfterMs).toBeLessThanOrEqual(120_000);
    github.faults.rateLimitNext(1, 9, 403);
    expect(
      (await expectConnectorError(connector().apply(diffOf({ create: { A: "1" } })), "rate_limited")).retryAfterMs,
    ).toBe(9_000);
    expect(github.read(githubScopes.repository.fake)).toEqual(new Map());
  });

  it("does not follow a renamed repository's redirect, so the token never goes elsewhere", async () => {
    const error = await expectConnectorError(
      connector({ ...githubScopes.repository.config, repository: "old-api" }).listKeys!(),
      "invalid_config",
    );
    expect(error.message).toContain("renamed or transferred");
    expect(requestLines()).toEqual(["GET /repos/acme/old-api/actions/secrets?per_page=100&page=1 301"]);
  });

  it("classifies a hanging GitHub and a cancelled run as transient", async () => {
    github.faults.hangNext(1);
    const client = createGitHubClient({ apiUrl: github.url, token: github.token, timeoutMs: 50 });
    expect(
      (
        await expectConnectorError(
          client.listSecretNames({ scope: "repository", owner: "acme", repository: "api" }),
          "transient",
        )
      ).message,
    ).toContain("did not answer");
    github.faults.hangNext(1);
    const controller = new AbortController();
    const pending = githubConnector({ url: github.url, token: github.token, signal: controller.signal }).listKeys!();
    controller.abort();
    expect((await expectConnectorError(pending, "transient")).message).toContain("cancelled");
  });
});

describe("GitHub client tracing", () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });

  it("traces each call as a CLIENT span with method, path and status, never a value or the token", async () => {
    const github = await startFakeGitHub();
    try {
      exporter.reset();
      await githubConnector({ url: github.url, token: github.token }).apply(
        diffOf({ create: { A: "span-secret-value" } }),
      );
      await githubConnector({ url: github.url, token: badToken }).listKeys!().catch(() => undefined);
      const spans = exporter.getFinishedSpans();
      expect(
        spans.map((s) => [
          s.name,
          s.attributes["http.request.method"],
          s.attributes["url.path"],
          s.attributes["http.response.status_code"],
        ]),
      ).toEqual([
        ["github public key", "GET", "/repos/acme/api/actions/secrets/public-key", 200],
        ["github write secret", "PUT", "/repos/acme/api/actions/secrets/A", 201],
        ["github list secrets", "GET", "/repos/acme/api/actions/secrets", 401],
      ]);
      expect(
        spans.every((s) => s.kind === SpanKind.CLIENT && s.instrumentationScope.name === "syncline.connectors.github"),
      ).toBe(true);
      expect(spans[2]?.status.code).toBe(SpanStatusCode.ERROR);
      const recorded = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.status, s.events]));
      for (const secret of ["span-secret-value", github.token, badToken]) expect(recorded).not.toContain(secret);
    } finally {
      await github.close();
    }
  });
});
