import { describe, expect, it } from "vitest";
import { ConnectorError } from "../../packages/connectors/contract/index.ts";
import { gitlabApp } from "../../packages/connectors/gitlab-ci-cd/gitlab-app.ts";
import {
  gitlabCiCdLimits,
  gitlabCiCdLimitsFor,
  gitlabMaskingProblem,
} from "../../packages/connectors/gitlab-ci-cd/gitlab-ci-cd-config.ts";
import { gitlabCiCdDestination } from "../../packages/connectors/gitlab-ci-cd/gitlab-ci-cd-destination.ts";
import { gitlabConfig, gitlabCredentials } from "./gitlab-fixtures.ts";

const parse = (fields: Parameters<typeof gitlabConfig>[0]) => gitlabCiCdDestination.parseConfig(gitlabConfig(fields));
const refusal = (run: () => unknown): string => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectorError);
    expect((error as ConnectorError).kind).toBe("invalid_config");
    return (error as ConnectorError).message;
  }
  return expect.fail("expected invalid_config");
};

describe("GitLab CI/CD config", () => {
  it("parses a project by path with its flags, `*` for an empty environment scope", () => {
    expect(parse({ path: " /acme/api/ ", protected: true, masked: true })).toEqual({
      scope: "project",
      path: "acme/api",
      environmentScope: "*",
      protected: true,
      masked: true,
      raw: false,
      hidden: false,
    });
    expect(parse({ scope: 2, path: "42", environmentScope: " production " })).toMatchObject({
      scope: "group",
      path: "42",
      environmentScope: "production",
    });
  });

  it("names every field at fault", () => {
    const message = refusal(() => parse({ scope: 0, path: "acme//api", environmentScope: "a\u0001", hidden: true }));
    expect(message).toContain("destination_config.gitlab_ci_cd.scope");
    expect(message).toContain("destination_config.gitlab_ci_cd.path");
    expect(message).toContain("destination_config.gitlab_ci_cd.environment_scope");
    expect(message).toContain("destination_config.gitlab_ci_cd.hidden: requires masked");
    expect(refusal(() => parse({ path: "" }))).toContain(".path: is required");
    expect(refusal(() => gitlabCiCdDestination.parseConfig(undefined))).toContain("destination_config.gitlab_ci_cd");
  });

  it("names one location per project or group and environment scope, ignoring path case", () => {
    const location = (fields: Parameters<typeof gitlabConfig>[0]) => gitlabCiCdDestination.location(parse(fields));
    expect(location({ path: "Acme/API" })).toBe(location({ path: "acme/api" }));
    expect(location({ path: "acme/api", environmentScope: "" })).toBe(location({ environmentScope: "*" }));
    expect(location({ environmentScope: "production" })).not.toBe(location({ environmentScope: "staging" }));
    expect(location({ scope: 2, path: "acme" })).not.toBe(location({ path: "acme" }));
  });
});

describe("GitLab masking rule", () => {
  it("accepts what GitLab can mask and says why not otherwise, never echoing the value", () => {
    const masked = { masked: true, raw: false };
    expect(gitlabMaskingProblem(masked, "abcDEF12+/=@:.~-_")).toBe("");
    expect(gitlabMaskingProblem(masked, "short")).toContain("at least 8");
    expect(gitlabMaskingProblem(masked, "pa$$word!!")).toContain("may only contain");
    expect(gitlabMaskingProblem(masked, "pa$$word!!")).not.toContain("pa$$word");
    expect(gitlabMaskingProblem({ masked: true, raw: true }, "pa$$word!!")).toBe("");
    expect(gitlabMaskingProblem({ masked: true, raw: true }, "two\nlines!")).not.toBe("");
    expect(gitlabMaskingProblem({ masked: false, raw: false }, "x")).toBe("");
  });

  it("is the checkEntry of a masked config's limits, and absent otherwise", () => {
    expect(gitlabCiCdLimitsFor({ masked: false, raw: false })).toBe(gitlabCiCdLimits);
    const check = gitlabCiCdLimitsFor({ masked: true, raw: false }).checkEntry;
    expect(check?.("KEY", "abcdefgh")).toBeUndefined();
    expect(check?.("KEY", "abc")).toContain("at least 8");
  });

  it("keys: letters, digits and `_`, 1 to 255", () => {
    expect(gitlabCiCdLimits.keyPattern.test("DB_URL_2")).toBe(true);
    expect(gitlabCiCdLimits.keyPattern.test("db-url")).toBe(false);
    expect(gitlabCiCdLimits.keyPattern.test("A".repeat(256))).toBe(false);
  });
});

describe("GitLab credentials", () => {
  it("defaults to gitlab.com and strips trailing slashes", () => {
    expect(gitlabCiCdDestination.parseCredentials(gitlabCredentials({ token: "glpat-x" }))).toEqual({
      instanceUrl: "https://gitlab.com",
      token: "glpat-x",
    });
    expect(
      gitlabCiCdDestination.parseCredentials(
        gitlabCredentials({ instanceUrl: "https://git.example.com/gl/", token: "t" }),
      ),
    ).toMatchObject({ instanceUrl: "https://git.example.com/gl" });
  });

  it("names every field at fault without echoing the token", () => {
    const violations = (instanceUrl: string, token?: string) =>
      gitlabApp.checkCredentials(gitlabCredentials({ instanceUrl, ...(token === undefined ? {} : { token }) }));
    expect(violations("http://gitlab.example.com", "t")).toEqual([
      { field: "credentials.gitlab.instance_url", description: "must use https (http only for localhost)" },
    ]);
    expect(violations("https://gitlab.com/api/v4", "t")[0]?.description).toContain("without `/api/v4`");
    expect(violations("https://user:pw@gitlab.com", "t")[0]?.field).toBe("credentials.gitlab.instance_url");
    expect(violations("", "")).toEqual([{ field: "credentials.gitlab.token.token", description: "is required" }]);
    expect(violations("", "has space")[0]?.description).toBe("must be printable ASCII without spaces");
    expect(violations("")).toEqual([
      {
        field: "credentials.gitlab.token",
        description: "a GitLab access token is required (the only supported auth method)",
      },
    ]);
    expect(
      refusal(() => gitlabCiCdDestination.parseCredentials(gitlabCredentials({ token: "bad token" }))),
    ).not.toContain("bad token");
  });
});
