import { create } from "@bufbuild/protobuf";
import { Destination, DestinationConfigSchema } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { describe, expect, it } from "vitest";
import { destinationLocation, locationArea, locationsOverlap } from "../registry.ts";
import { scopeMatches } from "./gitlab-ci-cd-destination.ts";

const at = (environmentScope: string, path = "group/app") =>
  destinationLocation(
    create(DestinationConfigSchema, {
      destination: { case: "gitlabCiCd", value: { scope: 1, path, environmentScope } },
    }),
  );

describe("GitLab environment scopes in the duplicate-destination check", () => {
  it.each([
    ["*", "production", true],
    ["production", "*", true],
    ["production", "production", true],
    ["production", "staging", false],
    ["review/*", "review/app-1", true],
    ["review/*", "production", false],
    ["*", "*", true],
  ])("%s and %s overlap: %s", (a, b, expected) => {
    expect(locationsOverlap(Destination.GITLAB_CI_CD, at(a), at(b))).toBe(expected);
  });

  it("never overlaps another project, and reads one project's scopes as one area", () => {
    expect(locationsOverlap(Destination.GITLAB_CI_CD, at("*"), at("*", "group/other"))).toBe(false);
    expect(locationArea(Destination.GITLAB_CI_CD, at("production"))).toBe(
      locationArea(Destination.GITLAB_CI_CD, at("*")),
    );
    expect(at("*", "group/other").startsWith(locationArea(Destination.GITLAB_CI_CD, at("*")))).toBe(false);
  });

  it("treats only `*` as a wildcard", () => {
    expect(scopeMatches("review.app", "reviewXapp")).toBe(false);
    expect(scopeMatches("a+b", "a+b")).toBe(true);
  });
});
