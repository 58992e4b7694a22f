import sodium from "libsodium-wrappers";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { startFakeGitHub, type FakeGitHub } from "./fake-github.ts";

const writer = "ghp_writer0000000000000000000000000000";
let github: FakeGitHub;
beforeAll(async () => {
  await sodium.ready;
});
beforeEach(async () => {
  github = await startFakeGitHub({
    tokens: [
      { token: writer, login: "mona" },
      { token: "ghp_reader", access: "read" },
      { token: "ghs_app", kind: "installation" },
    ],
    repositories: [
      { repository: "acme/api", environments: ["production", "prod/eu"] },
      { repository: "acme/web" },
      { repository: "other/tool" },
    ],
    organizations: ["acme"],
    moved: { "acme/legacy": "acme/api" },
  });
});
afterEach(async () => {
  await github.close();
});

async function call(method: string, path: string, options: { body?: unknown; auth?: string | null } = {}) {
  const headers: Record<string, string> = { Accept: "application/vnd.github+json" };
  if (options.auth !== null) headers.Authorization = options.auth ?? `Bearer ${writer}`;
  const response = await fetch(`${github.url}${path}`, {
    method,
    headers,
    redirect: "manual",
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

/** Seals a value to a scope's public key, as a GitHub client does. */
async function sealed(keyPath: string, value: string) {
  const { json } = await call("GET", keyPath);
  const box = sodium.crypto_box_seal(
    sodium.from_string(value),
    sodium.from_base64(json.key, sodium.base64_variants.ORIGINAL),
  );
  return { encrypted_value: sodium.to_base64(box, sodium.base64_variants.ORIGINAL), key_id: json.key_id };
}

describe("fake GitHub authentication", () => {
  it("answers 401 with GitHub's bodies for a missing or unknown token, and accepts both `Bearer` and `token` schemes", async () => {
    expect(await call("GET", "/user", { auth: null })).toMatchObject({
      status: 401,
      json: { message: "Requires authentication", documentation_url: expect.any(String), status: "401" },
    });
    expect(await call("GET", "/user", { auth: "Bearer nope" })).toMatchObject({
      status: 401,
      json: { message: "Bad credentials" },
    });
    expect(await call("GET", "/repos/acme/api/actions/secrets", { auth: "token nope" })).toMatchObject({ status: 401 });
    expect(await call("GET", "/user", { auth: `token ${writer}` })).toMatchObject({
      status: 200,
      json: { login: "mona" },
    });
  });

  it("refuses GET /user to installation tokens and writes to read-only tokens with 403", async () => {
    expect(await call("GET", "/user", { auth: "Bearer ghs_app" })).toMatchObject({
      status: 403,
      json: { message: "Resource not accessible by integration" },
    });
    expect((await call("GET", "/repos/acme/api/actions/secrets", { auth: "Bearer ghp_reader" })).status).toBe(200);
    expect(await call("DELETE", "/repos/acme/api/actions/secrets/A", { auth: "Bearer ghp_reader" })).toMatchObject({
      status: 403,
      json: { message: "Resource not accessible by personal access token" },
    });
  });

  it("puts GitHub's rate limit headers on every answer, counting the token's requests", async () => {
    const first = await call("GET", "/user");
    const second = await call("GET", "/user");
    expect(first.headers.get("x-ratelimit-limit")).toBe("5000");
    expect(
      Number(first.headers.get("x-ratelimit-remaining")) - Number(second.headers.get("x-ratelimit-remaining")),
    ).toBe(1);
    expect(Number(second.headers.get("x-ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
  });
});

describe("fake GitHub Actions secrets", () => {
  it("hands out a 32-byte Curve25519 public key per scope, and opens values sealed to it", async () => {
    const repoKey = await call("GET", "/repos/acme/api/actions/secrets/public-key");
    const envKey = await call("GET", "/repos/acme/api/environments/production/secrets/public-key");
    const orgKey = await call("GET", "/orgs/acme/actions/secrets/public-key");
    for (const key of [repoKey, envKey, orgKey]) {
      expect(key.status).toBe(200);
      expect(sodium.from_base64(key.json.key, sodium.base64_variants.ORIGINAL)).toHaveLength(32);
      expect(key.json.key_id).toMatch(/^\d+$/);
    }
    expect(new Set([repoKey.json.key, envKey.json.key, orgKey.json.key]).size).toBe(3);
    const put = await call("PUT", "/repos/acme/api/actions/secrets/DB", {
      body: await sealed("/repos/acme/api/actions/secrets/public-key", "s3cret"),
    });
    expect(put).toMatchObject({ status: 201, json: {} });
    expect(github.read({ repository: "acme/api" })).toEqual(new Map([["DB", "s3cret"]]));
  });

  it("creates with 201 and updates with 204, upper-cases names, and never returns a value", async () => {
    const key = "/repos/acme/api/actions/secrets/public-key";
    expect(
      (await call("PUT", "/repos/acme/api/actions/secrets/db_url", { body: await sealed(key, "one") })).status,
    ).toBe(201);
    const updated = await call("PUT", "/repos/acme/api/actions/secrets/DB_URL", { body: await sealed(key, "two") });
    expect(updated.status).toBe(204);
    expect(updated.json).toBeUndefined();
    const got = await call("GET", "/repos/acme/api/actions/secrets/Db_Url");
    expect(got.status).toBe(200);
    expect(Object.keys(got.json).sort()).toEqual(["created_at", "name", "updated_at"]);
    expect(got.json.name).toBe("DB_URL");
    expect(JSON.stringify(got.json)).not.toContain("two");
    expect(github.read({ repository: "acme/api" })).toEqual(new Map([["DB_URL", "two"]]));
  });

  it("refuses invalid names, a stale key id, an undecryptable value and an oversized value with 422", async () => {
    const key = "/repos/acme/api/actions/secrets/public-key";
    for (const name of ["GITHUB_TOKEN", "1ABC", "A-B"])
      expect(
        (await call("PUT", `/repos/acme/api/actions/secrets/${name}`, { body: await sealed(key, "v") })).status,
      ).toBe(422);
    const good = await sealed(key, "v");
    expect((await call("PUT", "/repos/acme/api/actions/secrets/A", { body: { ...good, key_id: "1" } })).status).toBe(
      422,
    );
    expect(
      (
        await call("PUT", "/repos/acme/api/actions/secrets/A", {
          body: { ...good, encrypted_value: Buffer.from("not sealed").toString("base64") },
        })
      ).status,
    ).toBe(422);
    expect(
      (await call("PUT", "/repos/acme/api/actions/secrets/A", { body: await sealed(key, "x".repeat(48 * 1024 + 1)) }))
        .status,
    ).toBe(422);
    expect(
      (await call("PUT", "/repos/acme/api/actions/secrets/A", { body: await sealed(key, "x".repeat(48 * 1024)) }))
        .status,
    ).toBe(201);
  });

  it("caps a repository at 100 secrets", async () => {
    github.seed({ repository: "acme/web" }, Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`S${i}`, "v"])));
    const key = "/repos/acme/web/actions/secrets/public-key";
    expect(
      (await call("PUT", "/repos/acme/web/actions/secrets/ONE_MORE", { body: await sealed(key, "v") })).status,
    ).toBe(422);
    expect((await call("PUT", "/repos/acme/web/actions/secrets/S0", { body: await sealed(key, "v2") })).status).toBe(
      204,
    );
  });

  it("deletes with 204 and answers 404 for a secret, repository, environment or organization that does not exist", async () => {
    github.seed({ repository: "acme/api", environment: "prod/eu" }, { A: "1" });
    expect((await call("DELETE", "/repos/acme/api/environments/prod%2Feu/secrets/a")).status).toBe(204);
    expect(github.read({ repository: "acme/api", environment: "prod/eu" })).toEqual(new Map());
    for (const path of [
      "/repos/acme/api/environments/prod%2Feu/secrets/A",
      "/repos/acme/nope/actions/secrets",
      "/repos/acme/api/environments/staging/secrets/public-key",
      "/orgs/umbrella/actions/secrets",
    ]) {
      expect(await call(path.endsWith("/A") ? "DELETE" : "GET", path)).toMatchObject({
        status: 404,
        json: { message: "Not Found" },
      });
    }
  });

  it("paginates lists with per_page (default 30, at most 100), page, total_count and Link headers", async () => {
    github.seed(
      { repository: "acme/api" },
      Object.fromEntries(Array.from({ length: 75 }, (_, i) => [`K${String(i).padStart(2, "0")}`, "v"])),
    );
    const first = await call("GET", "/repos/acme/api/actions/secrets");
    expect(first.json.total_count).toBe(75);
    expect(first.json.secrets).toHaveLength(30);
    expect(first.json.secrets[0]).toEqual({
      name: "K00",
      created_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/),
      updated_at: expect.any(String),
    });
    expect(first.headers.get("link")).toBe(
      `<${github.url}/repos/acme/api/actions/secrets?per_page=30&page=2>; rel="next", <${github.url}/repos/acme/api/actions/secrets?per_page=30&page=3>; rel="last"`,
    );
    const last = await call("GET", "/repos/acme/api/actions/secrets?per_page=30&page=3");
    expect(last.json.secrets.map((s: { name: string }) => s.name)).toEqual(
      Array.from({ length: 15 }, (_, i) => `K${60 + i}`),
    );
    expect(last.headers.get("link")).not.toContain('rel="next"');
    expect(last.headers.get("link")).toContain('rel="prev"');
    expect((await call("GET", "/repos/acme/api/actions/secrets?per_page=500")).json.secrets).toHaveLength(75);
    expect((await call("GET", "/repos/acme/api/actions/secrets?per_page=100")).headers.get("link")).toBeNull();
  });

  it("keeps organization visibility and selected repositories, refusing ids outside the organization", async () => {
    const key = "/orgs/acme/actions/secrets/public-key";
    const apiId = github.repositoryId("acme/api");
    expect(
      (
        await call("PUT", "/orgs/acme/actions/secrets/SHARED", {
          body: { ...(await sealed(key, "v")), visibility: "selected", selected_repository_ids: [apiId] },
        })
      ).status,
    ).toBe(201);
    const listed = await call("GET", "/orgs/acme/actions/secrets");
    expect(listed.json.secrets[0]).toMatchObject({
      name: "SHARED",
      visibility: "selected",
      selected_repositories_url: `${github.url}/orgs/acme/actions/secrets/SHARED/repositories`,
    });
    expect((await call("GET", "/orgs/acme/actions/secrets/SHARED/repositories")).json).toEqual({
      total_count: 1,
      repositories: [{ id: apiId, name: "api", full_name: "acme/api" }],
    });
    expect((await call("PUT", "/orgs/acme/actions/secrets/X", { body: await sealed(key, "v") })).status).toBe(422);
    expect(
      (
        await call("PUT", "/orgs/acme/actions/secrets/X", {
          body: { ...(await sealed(key, "v")), visibility: "all", selected_repository_ids: [apiId] },
        })
      ).status,
    ).toBe(422);
    const outside = github.repositoryId("other/tool");
    expect(
      (
        await call("PUT", "/orgs/acme/actions/secrets/X", {
          body: { ...(await sealed(key, "v")), visibility: "selected", selected_repository_ids: [outside] },
        })
      ).status,
    ).toBe(422);
    expect(github.secret({ organization: "acme" }, "shared")).toMatchObject({
      visibility: "selected",
      selectedRepositoryIds: [apiId],
    });
  });

  it("redirects a renamed repository (301 for GET, 307 otherwise) to its id", async () => {
    const get = await call("GET", "/repos/acme/legacy/actions/secrets");
    expect(get.status).toBe(301);
    expect(get.headers.get("location")).toBe(
      `${github.url}/repositories/${github.repositoryId("acme/api")}/actions/secrets`,
    );
    expect((await call("DELETE", "/repos/acme/legacy/actions/secrets/A")).status).toBe(307);
  });
});

describe("fake GitHub faults and request log", () => {
  it("fails, rate-limits (secondary and exhausted quota) and then recovers", async () => {
    github.faults.failNext(1, 502);
    expect(await call("GET", "/user")).toMatchObject({ status: 502, json: { message: "Server Error" } });
    github.faults.rateLimitNext(1, 7, 403);
    const secondary = await call("GET", "/user");
    expect(secondary.status).toBe(403);
    expect(secondary.headers.get("retry-after")).toBe("7");
    expect(secondary.json.message).toContain("secondary rate limit");
    github.faults.exhaustQuotaNext(1, 30, 429);
    const primary = await call("GET", "/user");
    expect(primary.status).toBe(429);
    expect(primary.headers.get("x-ratelimit-remaining")).toBe("0");
    expect(primary.headers.get("retry-after")).toBeNull();
    expect(Number(primary.headers.get("x-ratelimit-reset")) - Date.now() / 1000).toBeGreaterThan(25);
    expect((await call("GET", "/user")).status).toBe(200);
  });

  it("hangs a request until the client gives up, then serves the next", async () => {
    github.faults.hangNext(1);
    await expect(
      fetch(`${github.url}/user`, { headers: { Authorization: `Bearer ${writer}` }, signal: AbortSignal.timeout(100) }),
    ).rejects.toThrow();
    expect((await call("GET", "/user")).status).toBe(200);
    expect(github.requests.map((r) => r.status)).toEqual([0, 200]);
  });

  it("logs method, path, status and scope, never a body or a header value", async () => {
    const body = await sealed("/repos/acme/api/actions/secrets/public-key", "logged-value");
    await call("PUT", "/repos/acme/api/actions/secrets/A", { body });
    expect(github.requests.at(-1)).toEqual({
      method: "PUT",
      path: "/repos/acme/api/actions/secrets/A",
      status: 201,
      scope: "repository acme/api",
    });
    const log = JSON.stringify(github.requests);
    for (const secret of [writer, body.encrypted_value, "logged-value"]) expect(log).not.toContain(secret);
  });
});

describe("fake GitHub part-way faults and abandoned requests", () => {
  it("fails once N requests have passed, then recovers", async () => {
    github.faults.failAfter(1, 1, 503);
    expect((await call("GET", "/user")).status).toBe(200);
    expect((await call("GET", "/user")).status).toBe(503);
    expect((await call("GET", "/user")).status).toBe(200);
  });

  it("drops a write whose client went away during the latency", async () => {
    const body = await sealed("/repos/acme/api/actions/secrets/public-key", "never-stored");
    github.faults.setLatency(300);
    const abandoned = fetch(`${github.url}/repos/acme/api/actions/secrets/A`, {
      method: "PUT",
      headers: { Authorization: `Bearer ${writer}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(50),
    });
    await expect(abandoned).rejects.toThrow();
    await vi.waitFor(() => expect(github.requests).toHaveLength(2));
    expect(github.requests.at(-1)).toMatchObject({ method: "PUT", status: 0 });
    expect(github.read({ repository: "acme/api" })).toEqual(new Map());
  });
});

describe("fake GitHub random faults and write log", () => {
  it("draws 5xx, secondary rate limits and hangs at random, none of them writing, until turned off", async () => {
    const body = await sealed("/repos/acme/api/actions/secrets/public-key", "v-1");
    github.faults.setRandomFaults({ failRate: 1 });
    expect([500, 502, 503]).toContain((await call("PUT", "/repos/acme/api/actions/secrets/A", { body })).status);
    github.faults.setRandomFaults({ rateLimitRate: 1, retryAfterSeconds: 3 });
    const limited = await call("PUT", "/repos/acme/api/actions/secrets/A", { body });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    github.faults.setRandomFaults({ hangRate: 1 });
    const headers = { Authorization: `Bearer ${writer}` };
    const signal = AbortSignal.timeout(200);
    const hung = fetch(`${github.url}/repos/acme/api/actions/secrets/A`, {
      method: "PUT",
      headers,
      body: JSON.stringify(body),
      signal,
    });
    await expect(hung).rejects.toThrow();
    expect(github.read({ repository: "acme/api" }).size).toBe(0);
    expect(github.writeLog()).toEqual([]);
    github.faults.reset();
    expect((await call("PUT", "/repos/acme/api/actions/secrets/A", { body })).status).toBe(201);
  });

  it("mixes fault kinds in roughly the configured shares", async () => {
    github.faults.setRandomFaults({ failRate: 0.5, rateLimitRate: 0.25 });
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) statuses.push((await call("GET", "/repos/acme/api/actions/secrets")).status);
    const count = (match: (s: number) => boolean) => statuses.filter(match).length;
    expect(count((s) => s >= 500)).toBeGreaterThan(60);
    expect(count((s) => s >= 500)).toBeLessThan(140);
    expect(count((s) => s === 429)).toBeGreaterThan(20);
    expect(count((s) => s === 429)).toBeLessThan(80);
    expect(count((s) => s === 200)).toBeGreaterThan(20);
  });

  it("logs the opened value of every applied PUT per scope, in order, but not seeds or refused PUTs", async () => {
    github.seed({ repository: "acme/web" }, { SEEDED: "seed" });
    const repoKey = "/repos/acme/api/actions/secrets/public-key";
    await call("PUT", "/repos/acme/api/actions/secrets/db_password", { body: await sealed(repoKey, "pw-1") });
    const envKey = "/repos/acme/api/environments/production/secrets/public-key";
    await call("PUT", "/repos/acme/api/environments/production/secrets/TOKEN", { body: await sealed(envKey, "t-1") });
    const orgBody = { ...(await sealed("/orgs/acme/actions/secrets/public-key", "s-1")), visibility: "all" };
    await call("PUT", "/orgs/acme/actions/secrets/SHARED", { body: orgBody });
    const refused = await call("PUT", "/repos/acme/api/actions/secrets/1BAD", { body: await sealed(repoKey, "x") });
    expect(refused.status).toBe(422);
    const log = github.writeLog();
    expect(log.map(({ seq, destination, key, value }) => ({ seq, destination, key, value }))).toEqual([
      { seq: 1, destination: "repository acme/api", key: "DB_PASSWORD", value: "pw-1" },
      { seq: 2, destination: "environment production of acme/api", key: "TOKEN", value: "t-1" },
      { seq: 3, destination: "organization acme", key: "SHARED", value: "s-1" },
    ]);
    expect(JSON.stringify(github.requests)).not.toMatch(/pw-1|t-1|s-1/);
  });

  it("answers a late PUT after a newer one and applies it then", async () => {
    const old = await sealed("/repos/acme/api/actions/secrets/public-key", "old");
    const fresh = await sealed("/repos/acme/api/actions/secrets/public-key", "new");
    github.faults.setRandomFaults({ delayRate: 1, delayMs: 2000 });
    const late = call("PUT", "/repos/acme/api/actions/secrets/A", { body: old });
    await new Promise((resolve) => setTimeout(resolve, 300)); // lets the late request arrive (and draw its delay) first
    github.faults.reset();
    expect((await call("PUT", "/repos/acme/api/actions/secrets/A", { body: fresh })).status).toBe(201);
    expect((await late).status).toBe(204);
    expect(github.read({ repository: "acme/api" }).get("A")).toBe("old");
    expect(github.writeLog().map((w) => w.value)).toEqual(["new", "old"]);
  });

  it("never applies a late PUT whose client gave up (closed the connection) before it was handled", async () => {
    const body = await sealed("/repos/acme/api/actions/secrets/public-key", "old");
    github.faults.setRandomFaults({ delayRate: 1, delayMs: 500 });
    const signal = AbortSignal.timeout(100);
    const headers = { Authorization: `Bearer ${writer}` };
    const url = `${github.url}/repos/acme/api/actions/secrets/A`;
    await expect(fetch(url, { method: "PUT", headers, body: JSON.stringify(body), signal })).rejects.toThrow();
    const puts = () => github.requests.filter((r) => r.method === "PUT");
    await vi.waitFor(() => expect(puts()).toEqual([expect.objectContaining({ status: 0 })]), { timeout: 10_000 });
    expect(github.read({ repository: "acme/api" }).size).toBe(0);
    expect(github.writeLog()).toEqual([]);
  });
});
