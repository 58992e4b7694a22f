import { describe, expect, it } from "vitest";
import { ConnectorError } from "./connector-error.ts";
import { createTokenCache, withTokenRefresh } from "./token-cache.ts";

describe("token cache", () => {
  it("reuses a token until shortly before it expires, sharing one fetch between concurrent callers", async () => {
    let clock = 0;
    let fetches = 0;
    const cache = createTokenCache(async () => ({ token: `t${++fetches}`, expiresAt: new Date(clock + 10_000) }), {
      refreshBeforeMs: 1_000,
      now: () => clock,
    });
    const [a, b] = await Promise.all([cache.get(), cache.get()]);
    expect([a.token, b.token, fetches]).toEqual(["t1", "t1", 1]);
    clock = 8_999;
    expect((await cache.get()).token).toBe("t1");
    clock = 9_001;
    expect((await cache.get()).token).toBe("t2");
  });

  it("does not keep a failed fetch", async () => {
    let attempt = 0;
    const cache = createTokenCache(async () => {
      attempt++;
      if (attempt === 1) throw new ConnectorError("transient", "token endpoint did not answer");
      return { token: "ok", expiresAt: new Date(Date.now() + 60 * 60_000) };
    });
    await expect(cache.get()).rejects.toThrow("did not answer");
    expect((await cache.get()).token).toBe("ok");
  });

  it("refreshes once after an auth failure and gives up on the second", async () => {
    let fetches = 0;
    const cache = createTokenCache(async () => ({
      token: `t${++fetches}`,
      expiresAt: new Date(Date.now() + 60 * 60_000),
    }));
    const seen: string[] = [];
    const result = await withTokenRefresh(cache, async ({ token }) => {
      seen.push(token);
      if (token === "t1") throw new ConnectorError("auth", "token revoked");
      return "written";
    });
    expect([result, seen]).toEqual(["written", ["t1", "t2"]]);
    await expect(
      withTokenRefresh(cache, async () => {
        throw new ConnectorError("auth", "refused");
      }),
    ).rejects.toThrow("refused");
    expect(fetches).toBe(3);
  });
});
