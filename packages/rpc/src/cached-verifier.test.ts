import { describe, expect, it } from "vitest";
import { createCachedVerifier } from "./cached-verifier.ts";
import type { IdentityVerifier, VerifiedIdentity } from "./identity-verifier.ts";

const signal = new AbortController().signal;

/** A verifier over a table of tokens that counts its calls; `answers` can change between calls. */
function countingVerifier(answers: Map<string, VerifiedIdentity>) {
  const calls: string[] = [];
  const verifier: IdentityVerifier = {
    async verify(token) {
      calls.push(token);
      return answers.get(token);
    },
  };
  return { verifier, calls };
}

const identity = (id: string, expiresAt: number): VerifiedIdentity => ({
  principal: {
    kind: "identity",
    identityId: id,
    name: id,
    tokenId: `token-${id}`,
    organizationAdmin: false,
    projectRoles: new Map(),
  },
  expiresAt,
});

describe("createCachedVerifier", () => {
  it("reuses an answer within the TTL and asks again after it, so a revocation takes effect within the TTL", async () => {
    let now = 1_000_000;
    const answers = new Map([["a", identity("a", now + 3_600_000)]]);
    const { verifier, calls } = countingVerifier(answers);
    const cached = createCachedVerifier(verifier, { ttlMs: 5000, maxEntries: 10, now: () => now });
    expect((await cached.verify("a", signal))?.principal.identityId).toBe("a");
    answers.delete("a"); // revoked
    now += 4999;
    expect((await cached.verify("a", signal))?.principal.identityId).toBe("a");
    expect(calls).toEqual(["a"]);
    now += 1;
    expect(await cached.verify("a", signal)).toBeUndefined();
    expect(calls).toEqual(["a", "a"]);
  });

  it("refuses a cached identity once its token expires, whatever the TTL", async () => {
    let now = 0;
    const { verifier } = countingVerifier(new Map([["a", identity("a", 2000)]]));
    const cached = createCachedVerifier(verifier, { ttlMs: 60_000, maxEntries: 10, now: () => now });
    expect(await cached.verify("a", signal)).toBeDefined();
    now = 1999;
    expect(await cached.verify("a", signal)).toBeDefined();
    now = 2000;
    expect(await cached.verify("a", signal)).toBeUndefined();
  });

  it("caches refusals for a shorter time than answers", async () => {
    let now = 0;
    const answers = new Map<string, VerifiedIdentity>();
    const { verifier, calls } = countingVerifier(answers);
    const cached = createCachedVerifier(verifier, { ttlMs: 5000, negativeTtlMs: 500, maxEntries: 10, now: () => now });
    expect(await cached.verify("late", signal)).toBeUndefined();
    answers.set("late", identity("late", 1_000_000));
    now = 499;
    expect(await cached.verify("late", signal)).toBeUndefined();
    expect(calls).toEqual(["late"]);
    now = 500;
    expect(await cached.verify("late", signal)).toBeDefined();
    expect(calls).toEqual(["late", "late"]);
  });

  it("evicts the least recently used entry beyond maxEntries", async () => {
    const answers = new Map(["a", "b", "c"].map((t) => [t, identity(t, Number.MAX_SAFE_INTEGER)]));
    const { verifier, calls } = countingVerifier(answers);
    const cached = createCachedVerifier(verifier, { ttlMs: 60_000, maxEntries: 2, now: () => 0 });
    await cached.verify("a", signal);
    await cached.verify("b", signal);
    await cached.verify("a", signal); // a is now the most recent
    await cached.verify("c", signal); // evicts b
    expect(calls).toEqual(["a", "b", "c"]);
    await cached.verify("a", signal);
    expect(calls).toEqual(["a", "b", "c"]);
    await cached.verify("b", signal);
    expect(calls).toEqual(["a", "b", "c", "b"]);
  });

  it("shares one verification between concurrent lookups and caches no failure", async () => {
    let release: () => void = () => {};
    let failures = 1;
    const calls: string[] = [];
    const verifier: IdentityVerifier = {
      async verify(token) {
        calls.push(token);
        if (failures-- > 0) throw new Error("secrets unreachable");
        await new Promise<void>((resolve) => (release = resolve));
        return identity(token, Number.MAX_SAFE_INTEGER);
      },
    };
    const cached = createCachedVerifier(verifier, { ttlMs: 60_000, maxEntries: 10, now: () => 0 });
    await expect(cached.verify("a", signal)).rejects.toThrow("secrets unreachable");
    const both = Promise.all([cached.verify("a", signal), cached.verify("a", signal)]);
    await Promise.resolve();
    release();
    const [first, second] = await both;
    expect(first?.principal.identityId).toBe("a");
    expect(second).toBe(first);
    expect(calls).toEqual(["a", "a"]);
  });

  it("reports hits and misses, and with a TTL of 0 asks every time", async () => {
    const outcomes: string[] = [];
    const { verifier, calls } = countingVerifier(new Map([["a", identity("a", Number.MAX_SAFE_INTEGER)]]));
    const cached = createCachedVerifier(verifier, {
      ttlMs: 60_000,
      maxEntries: 10,
      now: () => 0,
      onLookup: (o) => outcomes.push(o),
    });
    await cached.verify("a", signal);
    await cached.verify("a", signal);
    expect(outcomes).toEqual(["miss", "hit"]);
    const uncached = createCachedVerifier(verifier, { ttlMs: 0, maxEntries: 10 });
    await uncached.verify("a", signal);
    await uncached.verify("a", signal);
    expect(calls).toEqual(["a", "a", "a"]);
  });
});
