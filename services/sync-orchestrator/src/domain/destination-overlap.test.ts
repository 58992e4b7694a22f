import { create } from "@bufbuild/protobuf";
import { DestinationConfigSchema, GithubSecretScope } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { destinationLocation, ownedKeys, ownedKeysOverlap, sameInstance } from "./destination-overlap.ts";

/** The duplicate-destination rule: which syncs would own the same destination keys. */
describe("destination overlap", () => {
  const overlap = (a: string, b: string, envA?: string, envB?: string) =>
    ownedKeysOverlap(ownedKeys(a, envA), ownedKeys(b, envB));

  it.each([
    ["", "", true],
    ["", "APP_{{secretKey}}", true],
    ["APP_{{secretKey}}", "APP_{{secretKey}}", true],
    ["APP_{{secretKey}}", "APP_DB_{{secretKey}}", true],
    ["APP_{{secretKey}}", "WEB_{{secretKey}}", false],
    ["{{secretKey}}_A", "{{secretKey}}_B", false],
    ["{{secretKey}}_A", "{{secretKey}}X_A", true],
    ["{{secretKey}}_A", "{{secretKey}}_XA", false],
  ])("%j and %j overlap: %s", (a, b, expected) => {
    expect(overlap(a, b)).toBe(expected);
    expect(overlap(b, a)).toBe(expected);
  });

  it("binds {{environment}} per sync, and treats it as a wildcard when the environment is unknown", () => {
    expect(overlap("{{environment}}/{{secretKey}}", "{{environment}}/{{secretKey}}", "dev", "prod")).toBe(false);
    expect(overlap("{{environment}}/{{secretKey}}", "{{environment}}/{{secretKey}}", "prod", "prod")).toBe(true);
    expect(overlap("{{environment}}/{{secretKey}}", "prod/{{secretKey}}", undefined, "x")).toBe(true);
  });

  it("compares GitHub key names without case", () => {
    expect(
      ownedKeysOverlap(ownedKeys("app_{{secretKey}}", "dev", true), ownedKeys("APP_{{secretKey}}", "dev", true)),
    ).toBe(true);
  });

  it("names a location per place a config writes to, normalising what the destination ignores", () => {
    const vault = (mount: string, path: string) =>
      destinationLocation(
        create(DestinationConfigSchema, { destination: { case: "vaultKv", value: { mount, path } } }),
      );
    expect(vault("/secret/", "apps/api/")).toBe(vault("secret", "apps/api"));
    expect(vault("secret", "apps/api")).not.toBe(vault("secret", "apps/web"));
    const github = (scope: GithubSecretScope, owner: string, repository: string, environment = "") =>
      destinationLocation(
        create(DestinationConfigSchema, {
          destination: { case: "githubActions", value: { scope, owner, repository, environment } },
        }),
      );
    expect(github(GithubSecretScope.REPOSITORY, "Acme", "API")).toBe(
      github(GithubSecretScope.REPOSITORY, "acme", "api"),
    );
    expect(github(GithubSecretScope.REPOSITORY, "acme", "api")).not.toBe(
      github(GithubSecretScope.ENVIRONMENT, "acme", "api", "prod"),
    );
    expect(destinationLocation(create(DestinationConfigSchema, {}))).toBe("");
  });

  it("treats an unknown server as possibly the same", () => {
    expect(sameInstance("", "https://vault|")).toBe(true);
    expect(sameInstance("https://a|", "https://b|")).toBe(false);
  });
});
