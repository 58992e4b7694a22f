import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { planDestinationDiff } from "../../packages/connectors/sync/destination-diff.ts";
import { createKeySchema } from "../../packages/connectors/sync/key-schema.ts";
import { githubActionsDestination } from "../../packages/connectors/github/github-actions-destination.ts";
import { startFakeGitHub, type FakeGitHub } from "../fakes/github/fake-github.ts";
import { expectConnectorError } from "./conformance.ts";
import { githubConnector, githubScopes } from "./github-fixtures.ts";

const entries = (diff: {
  create: ReadonlyMap<string, string>;
  update: ReadonlyMap<string, string>;
  delete: readonly string[];
}) => ({
  create: Object.fromEntries(diff.create),
  update: Object.fromEntries(diff.update),
  delete: diff.delete,
});

describe("destination diff from names only", () => {
  const schema = createKeySchema("APP_{{secretKey}}", "dev");

  it("creates missing keys, rewrites every owned key present, deletes owned names the source lacks, and leaves others alone", () => {
    const diff = planDestinationDiff({
      desired: new Map([
        ["A", "1"],
        ["B", "2"],
      ]),
      current: undefined,
      currentKeys: new Set(["APP_A", "APP_GONE", "OTHER"]),
      schema,
      allowDeletion: true,
    });
    expect(entries(diff)).toEqual({ create: { APP_B: "2" }, update: { APP_A: "1" }, delete: ["APP_GONE"] });
  });

  it("deletes nothing when deletion is disabled, and nothing at all when even names are unknown", () => {
    const keep = planDestinationDiff({
      desired: new Map(),
      current: undefined,
      currentKeys: new Set(["APP_X"]),
      schema,
      allowDeletion: false,
    });
    expect(entries(keep)).toEqual({ create: {}, update: {}, delete: [] });
    const blind = planDestinationDiff({
      desired: new Map([["A", "1"]]),
      current: undefined,
      currentKeys: undefined,
      schema,
      allowDeletion: true,
    });
    expect(entries(blind)).toEqual({ create: { APP_A: "1" }, update: {}, delete: [] });
  });

  it("prefers values over names when both are known", () => {
    const diff = planDestinationDiff({
      desired: new Map([["A", "1"]]),
      current: new Map([["APP_A", "1"]]),
      currentKeys: new Set(["APP_A"]),
      schema,
      allowDeletion: true,
    });
    expect(entries(diff)).toEqual({ create: {}, update: {}, delete: [] });
  });
});

describe("destination diff for a destination that upper-cases names", () => {
  it("matches source keys to GitHub's upper-case names, so a lower-case key is updated, not created and deleted", () => {
    const diff = planDestinationDiff({
      desired: new Map([
        ["db_url", "postgres://"],
        ["Token", "t"],
      ]),
      current: undefined,
      currentKeys: new Set(["DB_URL", "STALE", "TOKEN"]),
      schema: createKeySchema("", "dev"),
      allowDeletion: true,
      upperCasesKeys: true,
    });
    expect(entries(diff)).toEqual({ create: {}, update: { DB_URL: "postgres://", TOKEN: "t" }, delete: ["STALE"] });
  });

  it("owns names by the upper-cased schema, including a lower-case environment", () => {
    const diff = planDestinationDiff({
      desired: new Map([["db", "1"]]),
      current: undefined,
      currentKeys: new Set(["PROD_APP_OLD", "PROD_APP_DB", "STAGING_APP_OLD", "PROD_APP_"]),
      schema: createKeySchema("{{environment}}_App_{{secretKey}}", "prod"),
      allowDeletion: true,
      upperCasesKeys: true,
    });
    expect(entries(diff)).toEqual({ create: {}, update: { PROD_APP_DB: "1" }, delete: ["PROD_APP_OLD"] });
  });

  it("refuses two source keys that GitHub would store as one secret, naming both", async () => {
    const plan = async () =>
      planDestinationDiff({
        desired: new Map([
          ["api_key", "1"],
          ["API_KEY", "2"],
        ]),
        current: undefined,
        currentKeys: new Set(),
        schema: createKeySchema("", "dev"),
        allowDeletion: true,
        upperCasesKeys: true,
      });
    const error = await expectConnectorError(plan(), "invalid_config");
    expect(error.message).toContain("api_key and API_KEY");
  });
});

describe("GitHub Actions sync round trip (plan from listKeys, apply)", () => {
  let github: FakeGitHub;
  beforeEach(async () => {
    github = await startFakeGitHub();
  });
  afterEach(async () => {
    await github.close();
  });

  /** What the worker does for a write-only destination that lists names. */
  async function push(source: Record<string, string>, template = "APP_{{secretKey}}") {
    const connector = githubConnector({
      url: github.url,
      token: github.token,
      config: githubScopes.environment.config,
    });
    const diff = planDestinationDiff({
      desired: new Map(Object.entries(source)),
      current: undefined,
      currentKeys: await connector.listKeys!(),
      schema: createKeySchema(template, "production"),
      allowDeletion: true,
      upperCasesKeys: githubActionsDestination.limits.upperCasesKeys,
    });
    return connector.apply(diff);
  }

  it("makes the owned part equal to the source across runs and keeps secrets it does not own", async () => {
    github.seed(githubScopes.environment.fake, { DEPLOY_KEY: "by hand" });
    expect(await push({ db_password: "one", API_KEY: "k" })).toEqual({
      created: ["APP_DB_PASSWORD", "APP_API_KEY"],
      updated: [],
      deleted: [],
    });
    expect(await push({ db_password: "two" })).toEqual({
      created: [],
      updated: ["APP_DB_PASSWORD"],
      deleted: ["APP_API_KEY"],
    });
    expect(github.read(githubScopes.environment.fake)).toEqual(
      new Map([
        ["DEPLOY_KEY", "by hand"],
        ["APP_DB_PASSWORD", "two"],
      ]),
    );
  });
});
