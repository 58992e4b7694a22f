import { create } from "@bufbuild/protobuf";
import { App, AuthMethod, ConnectionCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import {
  Destination,
  DestinationConfigSchema,
  GithubSecretScope,
  GithubSecretVisibility,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConnectorError } from "../../packages/connectors/contract/index.ts";
import { githubActionsDestination } from "../../packages/connectors/github/github-actions-destination.ts";
import { githubApp } from "../../packages/connectors/github/github-app.ts";
import {
  appDescriptor,
  appRegistry,
  destinationDescriptor,
  destinationRegistry,
} from "../../packages/connectors/index.ts";
import { startFakeGitHub, type FakeGitHub } from "../fakes/github/fake-github.ts";
import { expectConnectorError, unreachableUrl } from "./conformance.ts";
import { githubActionsConfig, githubCredentials, type GitHubConfigFields } from "./github-fixtures.ts";

function invalidConfigMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe("invalid_config");
    return (error as ConnectorError).message;
  }
  throw new Error("expected an invalid_config ConnectorError");
}

const { REPOSITORY, ENVIRONMENT, ORGANIZATION } = GithubSecretScope;
const { ALL, PRIVATE, SELECTED } = GithubSecretVisibility;

describe("GitHub Actions destination config", () => {
  it("parses each scope, trimming names and ordering selected repository ids", () => {
    expect(
      githubActionsDestination.parseConfig(
        githubActionsConfig({ scope: REPOSITORY, owner: " acme ", repository: "api " }),
      ),
    ).toEqual({ scope: "repository", owner: "acme", repository: "api" });
    expect(
      githubActionsDestination.parseConfig(
        githubActionsConfig({ scope: ENVIRONMENT, owner: "acme", repository: "api.v2", environment: "prod / eu" }),
      ),
    ).toEqual({
      scope: "environment",
      owner: "acme",
      repository: "api.v2",
      environment: "prod / eu",
    });
    expect(
      githubActionsDestination.parseConfig(
        githubActionsConfig({
          scope: ORGANIZATION,
          owner: "acme",
          visibility: SELECTED,
          selectedRepositoryIds: [7n, 3n, 7n],
        }),
      ),
    ).toEqual({
      scope: "organization",
      organization: "acme",
      visibility: "selected",
      selectedRepositoryIds: [3, 7],
    });
    expect(
      githubActionsDestination.parseConfig(
        githubActionsConfig({ scope: ORGANIZATION, owner: "acme", visibility: ALL }),
      ),
    ).toMatchObject({ visibility: "all", selectedRepositoryIds: [] });
  });

  it.each<[string, () => ReturnType<typeof create<typeof DestinationConfigSchema>>, string]>([
    ["missing oneof", () => create(DestinationConfigSchema), "destination_config.github_actions: is required"],
    [
      "another destination's config",
      () =>
        create(DestinationConfigSchema, { destination: { case: "vaultKv", value: { mount: "secret", path: "x" } } }),
      "destination_config.github_actions: is required",
    ],
    [
      "no scope",
      () => githubActionsConfig({ owner: "acme", repository: "api" }),
      "destination_config.github_actions.scope: is required",
    ],
    [
      "no owner",
      () => githubActionsConfig({ scope: REPOSITORY, repository: "api" }),
      "destination_config.github_actions.owner: is required",
    ],
    [
      "owner with a slash",
      () => githubActionsConfig({ scope: REPOSITORY, owner: "acme/x", repository: "api" }),
      "destination_config.github_actions.owner: must be a GitHub user",
    ],
    [
      "no repository",
      () => githubActionsConfig({ scope: REPOSITORY, owner: "acme" }),
      "destination_config.github_actions.repository: is required",
    ],
    [
      "repository `..`",
      () => githubActionsConfig({ scope: REPOSITORY, owner: "acme", repository: ".." }),
      "destination_config.github_actions.repository: must be a repository name",
    ],
    [
      "repository with a slash",
      () => githubActionsConfig({ scope: REPOSITORY, owner: "acme", repository: "api/../x" }),
      "destination_config.github_actions.repository: must be a repository name",
    ],
    [
      "environment without a repository",
      () => githubActionsConfig({ scope: ENVIRONMENT, owner: "acme", environment: "prod" }),
      "destination_config.github_actions.repository: is required",
    ],
    [
      "no environment",
      () => githubActionsConfig({ scope: ENVIRONMENT, owner: "acme", repository: "api" }),
      "destination_config.github_actions.environment: is required",
    ],
    [
      "environment with a newline",
      () => githubActionsConfig({ scope: ENVIRONMENT, owner: "acme", repository: "api", environment: "a\nb" }),
      "destination_config.github_actions.environment: must be",
    ],
    [
      "environment on the repository scope",
      () => githubActionsConfig({ scope: REPOSITORY, owner: "acme", repository: "api", environment: "prod" }),
      "destination_config.github_actions.environment: must be empty",
    ],
    [
      "organization without visibility",
      () => githubActionsConfig({ scope: ORGANIZATION, owner: "acme" }),
      "destination_config.github_actions.visibility: is required",
    ],
    [
      "repository on the organization scope",
      () => githubActionsConfig({ scope: ORGANIZATION, owner: "acme", repository: "api", visibility: ALL }),
      "destination_config.github_actions.repository: must be empty",
    ],
    [
      "visibility on the repository scope",
      () => githubActionsConfig({ scope: REPOSITORY, owner: "acme", repository: "api", visibility: PRIVATE }),
      "destination_config.github_actions.visibility: applies only",
    ],
    [
      "selected ids without SELECTED",
      () =>
        githubActionsConfig({ scope: ORGANIZATION, owner: "acme", visibility: PRIVATE, selectedRepositoryIds: [1n] }),
      "destination_config.github_actions.selected_repository_ids: may be given only",
    ],
    [
      "a negative selected id",
      () =>
        githubActionsConfig({ scope: ORGANIZATION, owner: "acme", visibility: SELECTED, selectedRepositoryIds: [-1n] }),
      "destination_config.github_actions.selected_repository_ids: must be positive",
    ],
  ])("refuses %s, naming the field", (_name, config, expected) => {
    expect(invalidConfigMessage(() => githubActionsDestination.parseConfig(config()))).toContain(expected);
  });

  it("names every field at fault at once", () => {
    const message = invalidConfigMessage(() =>
      githubActionsDestination.parseConfig(githubActionsConfig({ scope: ENVIRONMENT } satisfies GitHubConfigFields)),
    );
    for (const field of ["owner", "repository", "environment"])
      expect(message).toContain(`destination_config.github_actions.${field}:`);
  });

  it("declares a write-only destination that lists names, with GitHub's limits and name rule", () => {
    expect(githubActionsDestination).toMatchObject({ destination: Destination.GITHUB_ACTIONS, app: App.GITHUB });
    expect(githubActionsDestination.capabilities).toEqual({
      readBack: false,
      listKeys: true,
      keySchema: true,
      deletionControl: true,
      removeOnDelete: true,
      batchWrites: false,
    });
    expect(githubActionsDestination.limits).toMatchObject({
      maxSecrets: 1000,
      maxValueBytes: 49_152,
      upperCasesKeys: true,
    });
    const { keyPattern } = githubActionsDestination.limits;
    expect(["DB_PASSWORD", "db_password", "_X", "A1", "MY_GITHUB_TOKEN"].every((k) => keyPattern.test(k))).toBe(true);
    expect(["", "1A", "A-B", "A.B", "A B", "GITHUB_TOKEN", "github_x", "ÄX"].some((k) => keyPattern.test(k))).toBe(
      false,
    );
    expect(githubActionsDestination.configFields.map((f) => f.name)).toEqual([
      "github_actions.scope",
      "github_actions.owner",
      "github_actions.repository",
      "github_actions.environment",
      "github_actions.visibility",
      "github_actions.selected_repository_ids",
    ]);
  });

  it("is in the registry under its kind, with its app", () => {
    expect(destinationDescriptor(Destination.GITHUB_ACTIONS)).toBe(githubActionsDestination);
    expect(appDescriptor(App.GITHUB)).toBe(githubApp);
    expect(destinationRegistry[Destination.GITHUB_ACTIONS].app).toBe(App.GITHUB);
    expect(appRegistry[App.GITHUB].name).toBe("GitHub");
  });
});

describe("GitHub credentials", () => {
  const good = { token: "ghp_abcdefghijklmnopqrstuvwxyz0123456789" };

  it("defaults the API URL to github.com and normalises a given one", () => {
    expect(githubActionsDestination.parseCredentials(githubCredentials(good))).toEqual({
      apiUrl: "https://api.github.com",
      token: good.token,
    });
    expect(
      githubActionsDestination.parseCredentials(
        githubCredentials({ ...good, apiUrl: "https://github.example.com/api/v3/" }),
      ),
    ).toEqual({ apiUrl: "https://github.example.com/api/v3", token: good.token });
    expect(
      githubActionsDestination.parseCredentials(githubCredentials({ ...good, apiUrl: "http://127.0.0.1:8300" })).apiUrl,
    ).toBe("http://127.0.0.1:8300");
    expect(githubApp.checkCredentials(githubCredentials({ ...good, apiUrl: "http://localhost:8300" }))).toEqual([]);
  });

  it.each([
    ["no credentials", () => create(ConnectionCredentialsSchema), "credentials.github"],
    [
      "Vault credentials",
      () => create(ConnectionCredentialsSchema, { app: { case: "vault", value: { instanceUrl: "https://v" } } }),
      "credentials.github",
    ],
    ["no token method", () => githubCredentials({}), "credentials.github.token"],
    ["empty token", () => githubCredentials({ token: "" }), "credentials.github.token.token"],
    ["oversized token", () => githubCredentials({ token: "t".repeat(256) }), "credentials.github.token.token"],
    ["token with a newline", () => githubCredentials({ token: "ghp_a\nX-Evil: 1" }), "credentials.github.token.token"],
    ["token with a space", () => githubCredentials({ token: "ghp a" }), "credentials.github.token.token"],
    ["non-ASCII token", () => githubCredentials({ token: "ghp_ä" }), "credentials.github.token.token"],
    ["relative API URL", () => githubCredentials({ ...good, apiUrl: "api.github.com" }), "credentials.github.api_url"],
    [
      "plain http to a remote host",
      () => githubCredentials({ ...good, apiUrl: "http://github.example.com/api/v3" }),
      "credentials.github.api_url",
    ],
    [
      "non-http API URL",
      () => githubCredentials({ ...good, apiUrl: "ftp://github.example.com" }),
      "credentials.github.api_url",
    ],
    [
      "API URL with credentials",
      () => githubCredentials({ ...good, apiUrl: "https://user:pw@github.example.com" }),
      "credentials.github.api_url",
    ],
    [
      "API URL with a query",
      () => githubCredentials({ ...good, apiUrl: "https://github.example.com/api/v3?x=1" }),
      "credentials.github.api_url",
    ],
  ])("refuses %s, naming the field", (_name, credentials, field) => {
    expect(githubApp.checkCredentials(credentials()).map((v) => v.field)).toContain(field);
    expect(invalidConfigMessage(() => githubActionsDestination.parseCredentials(credentials()))).toContain(`${field}:`);
  });

  it("never puts the token in a violation", () => {
    const violations = githubApp.checkCredentials(githubCredentials({ apiUrl: "nope", token: "ghp_secret token" }));
    expect(violations.map((v) => v.field).sort()).toEqual([
      "credentials.github.api_url",
      "credentials.github.token.token",
    ]);
    expect(JSON.stringify(violations)).not.toContain("ghp_secret");
  });

  it("reports the token method and redacts everything but the API URL", () => {
    expect(githubApp.methodOf(githubCredentials(good))).toBe(AuthMethod.GITHUB_TOKEN);
    expect(githubApp.methodOf(githubCredentials({}))).toBe(AuthMethod.UNSPECIFIED);
    const redacted = githubApp.redact(githubCredentials({ ...good, apiUrl: "https://github.example.com/api/v3" }));
    expect(redacted.app).toMatchObject({ case: "github", value: { apiUrl: "https://github.example.com/api/v3" } });
    expect(githubApp.redact(githubCredentials(good)).app.value).toMatchObject({ apiUrl: "https://api.github.com" });
    expect(JSON.stringify(redacted)).not.toContain(good.token);
  });
});

describe("GitHub app live validation", () => {
  let github: FakeGitHub;
  const user = "ghp_user00000000000000000000000000000000";
  const installation = "ghs_installation000000000000000000000000";
  beforeAll(async () => {
    github = await startFakeGitHub({
      tokens: [
        { token: user, login: "mona" },
        { token: installation, kind: "installation" },
      ],
    });
  });
  afterAll(async () => {
    await github.close();
  });

  it("accepts a user token and an installation token GitHub knows", async () => {
    await githubApp.validateLive(githubCredentials({ apiUrl: github.url, token: user }));
    expect(github.requests.at(-1)).toMatchObject({ method: "GET", path: "/user", status: 200 });
    await githubApp.validateLive(githubCredentials({ apiUrl: github.url, token: installation }));
    expect(github.requests.at(-1)).toMatchObject({ method: "GET", path: "/user", status: 403 });
  });

  it("classifies a refused token as auth and an unreachable GitHub as transient, never echoing the token", async () => {
    const refused = await expectConnectorError(
      githubApp.validateLive(
        githubCredentials({ apiUrl: github.url, token: "ghp_revoked000000000000000000000000000" }),
      ),
      "auth",
    );
    expect(refused.message).toContain("401");
    expect(refused.message).not.toContain("ghp_revoked");
    await expectConnectorError(
      githubApp.validateLive(githubCredentials({ apiUrl: await unreachableUrl(), token: user })),
      "transient",
    );
  });

  it("refuses malformed credentials before calling GitHub", async () => {
    const before = github.requests.length;
    await expectConnectorError(
      githubApp.validateLive(githubCredentials({ apiUrl: github.url, token: "" })),
      "invalid_config",
    );
    expect(github.requests.length).toBe(before);
  });
});
