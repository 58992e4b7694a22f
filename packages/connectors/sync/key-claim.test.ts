import { create } from "@bufbuild/protobuf";
import { AppConnectionSchema, RedactedCredentialsSchema } from "@syncline/gen/syncline/connections/v1/resources_pb.js";
import {
  Destination,
  DestinationConfigSchema,
  GithubSecretScope,
} from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { knownInstance, sameInstance, UNKNOWN_INSTANCE } from "../contract/index.ts";
import { connectionInstance, destinationLocation, destinationRegistry } from "../registry.ts";
import { claimsOverlap, type KeyClaim } from "./key-claim.ts";
import { ownedKeys, ownedKeysOverlap } from "./key-schema.ts";

/** The duplicate-destination rule: which syncs would own the same destination keys. */
describe("destination overlap", () => {
  const overlap = (a: string, b: string, envA?: string, envB?: string) =>
    ownedKeysOverlap(ownedKeys(a, envA), ownedKeys(b, envB));
  const claim = (keySchema: string, environment = "dev", instance = UNKNOWN_INSTANCE): KeyClaim => ({
    keySchema,
    environment,
    instance,
  });

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
    expect(ownedKeys("{{environment}}_APP_{{secretKey}}_V", undefined)).toEqual({ prefix: "", suffix: "_V" });
    expect(ownedKeys("{{environment}}_APP_{{secretKey}}_V", "prod")).toEqual({ prefix: "prod_APP_", suffix: "_V" });
  });

  it("compares key names without case where the destination ignores case", () => {
    const a = claim("app_{{secretKey}}");
    const b = claim("APP_{{secretKey}}");
    expect(claimsOverlap({ upperCasesKeys: true }, a, b)).toBe(true);
    expect(claimsOverlap({}, a, b)).toBe(false);
  });

  it("compares key names as the destination folds them", () => {
    const keyVault = destinationRegistry[Destination.AZURE_KEY_VAULT].limits;
    expect(claimsOverlap(keyVault, claim("app_{{secretKey}}"), claim("APP-{{secretKey}}"))).toBe(true);
    expect(claimsOverlap(keyVault, claim("{{secretKey}}_db"), claim("{{secretKey}}-DB"))).toBe(true);
    expect(claimsOverlap(keyVault, claim("app_{{secretKey}}"), claim("web_{{secretKey}}"))).toBe(false);
  });

  it("names a location per place a config writes to, normalising what the destination ignores", () => {
    const vault = (mount: string, path: string) =>
      destinationLocation(
        create(DestinationConfigSchema, { destination: { case: "vaultKv", value: { mount, path } } }),
      );
    expect(vault("/secret/", "apps/api/")).toBe(vault("secret", "apps/api"));
    expect(vault("secret", "apps/api")).toBe("vault-kv:secret/apps/api");
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
    expect(github(GithubSecretScope.REPOSITORY, "Acme", "API")).toBe("github-actions:repo:acme/api");
    expect(github(GithubSecretScope.ENVIRONMENT, "acme", "api", "prod")).toBe("github-actions:env:acme/api/prod");
    expect(github(GithubSecretScope.REPOSITORY, "acme", "api")).not.toBe(
      github(GithubSecretScope.ENVIRONMENT, "acme", "api", "prod"),
    );
    expect(() => destinationLocation(create(DestinationConfigSchema, {}))).toThrow(/destination_config/);
  });

  it("treats an unknown server as possibly the same, and a known one by its normalised id", () => {
    expect(sameInstance(UNKNOWN_INSTANCE, knownInstance("https://vault|"))).toBe(true);
    expect(sameInstance(knownInstance("https://a|"), knownInstance("https://b|"))).toBe(false);
    const a = claim("", "dev", knownInstance("https://a|"));
    const b = claim("", "dev", knownInstance("https://b|"));
    expect(claimsOverlap({}, a, b)).toBe(false);
    expect(claimsOverlap({}, a, claim(""))).toBe(true);
  });

  it("normalises a connection's server through its app, and knows no server without a redacted view", () => {
    const connection = (redacted: Parameters<typeof create<typeof RedactedCredentialsSchema>>[1]) =>
      create(AppConnectionSchema, { redacted: create(RedactedCredentialsSchema, redacted) });
    expect(
      connectionInstance(
        connection({ app: { case: "vault", value: { instanceUrl: " HTTPS://Vault:8200/ ", namespace: "/team-a/" } } }),
      ),
    ).toEqual(knownInstance("https://vault:8200|team-a"));
    expect(connectionInstance(connection({ app: { case: "github", value: { apiUrl: "" } } }))).toEqual(
      knownInstance("https://api.github.com"),
    );
    expect(connectionInstance(create(AppConnectionSchema))).toBe(UNKNOWN_INSTANCE);
  });
});
