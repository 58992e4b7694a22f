import { ConfigError, readConfig } from "@syncline/config";
import { describe, expect, it } from "vitest";
import { platformConfig, serviceTokenConfig, tokenCacheConfig } from "./platform-config.ts";

const problemsOf = (env: Record<string, string>) => {
  try {
    readConfig({ ...platformConfig, ...serviceTokenConfig, ...tokenCacheConfig }, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems;
  }
  return [];
};

describe("platform configuration", () => {
  const serviceToken = "s".repeat(40);
  const digest = "ab".repeat(32);

  it("reads the service token, the peers' digests and the token cache TTL", () => {
    const config = readConfig(
      { ...platformConfig, ...serviceTokenConfig, ...tokenCacheConfig },
      { SYNCLINE_SERVICE_TOKEN: serviceToken, SYNCLINE_PEER_SERVICE_DIGESTS: `connector-worker=${digest}` },
    );
    expect(config.serviceToken).toBe(serviceToken);
    expect(config.peerServiceDigests.get("connector-worker")?.[0]?.toString("hex")).toBe(digest);
    expect(config.tokenCacheTtlMs).toBe(5000);
  });

  it("fails on the retired shared tokens, naming what replaced them, and on bad values, echoing none", () => {
    const retiredAdmin = "retired-admin-token-0123456789";
    const shortToken = "short-token";
    const problems = problemsOf({
      SYNCLINE_ADMIN_TOKEN: retiredAdmin,
      SYNCLINE_INTERNAL_TOKEN: "retired-internal-token-0123456789",
      SYNCLINE_SERVICE_TOKEN: shortToken,
      SYNCLINE_PEER_SERVICE_DIGESTS: `connector-worker=${digest.slice(2)}`,
      SYNCLINE_TOKEN_CACHE_TTL_MS: "60001",
    });
    expect(problems.map((p) => p.split(":")[0])).toEqual([
      "SYNCLINE_ADMIN_TOKEN",
      "SYNCLINE_INTERNAL_TOKEN",
      "SYNCLINE_PEER_SERVICE_DIGESTS",
      "SYNCLINE_SERVICE_TOKEN",
      "SYNCLINE_TOKEN_CACHE_TTL_MS",
    ]);
    expect(problems[0]).toContain("SYNCLINE_BOOTSTRAP_TOKEN");
    expect(problems[1]).toContain("SYNCLINE_SERVICE_TOKEN");
    expect(problems[1]).toContain("SYNCLINE_PEER_SERVICE_DIGESTS");
    const all = problems.join("\n");
    for (const value of [retiredAdmin, shortToken, digest.slice(2, 30)]) expect(all).not.toContain(value);
  });
});
