import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startFakeVault, type FakeVault, type FakeVaultWrite } from "./fake-vault.ts";

let vault: FakeVault;
beforeEach(async () => {
  vault = await startFakeVault({
    tokens: ["root-token", "second-token"],
    mounts: ["secret", "kv/team"],
    namespaces: ["team-a"],
  });
});
afterEach(async () => {
  await vault.close();
});

async function call(
  method: string,
  path: string,
  options: { body?: unknown; token?: string | null; headers?: Record<string, string>; signal?: AbortSignal } = {},
) {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== null) headers["X-Vault-Token"] = options.token ?? "root-token";
  const response = await fetch(`${vault.url}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : undefined };
}

describe("fake Vault KV v2 data", () => {
  it("versions every write and reads the latest or a given version", async () => {
    expect((await call("POST", "/v1/secret/data/apps/api", { body: { data: { A: "1" } } })).json.data).toMatchObject({
      version: 1,
      deletion_time: "",
      destroyed: false,
    });
    expect((await call("PUT", "/v1/secret/data/apps/api", { body: { data: { A: "2" } } })).json.data.version).toBe(2);
    const latest = await call("GET", "/v1/secret/data/apps/api");
    expect(latest.status).toBe(200);
    expect(latest.json.data).toMatchObject({ data: { A: "2" }, metadata: { version: 2 } });
    expect((await call("GET", "/v1/secret/data/apps/api?version=1")).json.data.data).toEqual({ A: "1" });
    expect(vault.read("secret", "apps/api")).toEqual({ A: "2" });
  });

  it("enforces check-and-set with Vault's exact error, cas 0 meaning create-only", async () => {
    expect((await call("POST", "/v1/secret/data/x", { body: { options: { cas: 0 }, data: { A: "1" } } })).status).toBe(
      200,
    );
    const stale = await call("POST", "/v1/secret/data/x", { body: { options: { cas: 0 }, data: { A: "2" } } });
    expect(stale).toMatchObject({
      status: 400,
      json: { errors: ["check-and-set parameter did not match the current version"] },
    });
    expect(
      (await call("POST", "/v1/secret/data/x", { body: { options: { cas: 1 }, data: { A: "3" } } })).json.data.version,
    ).toBe(2);
    expect(vault.read("secret", "x")).toEqual({ A: "3" });
    expect(await call("POST", "/v1/secret/data/x", { body: { options: { cas: 2 } } })).toMatchObject({
      status: 400,
      json: { errors: ["no data provided"] },
    });
  });

  it("soft-deletes the latest version: reads 404 with deletion_time, metadata and listing keep it, cas counts it", async () => {
    vault.seed("secret", "apps/api", { A: "1" });
    expect((await call("DELETE", "/v1/secret/data/apps/api")).status).toBe(204);
    const read = await call("GET", "/v1/secret/data/apps/api");
    expect(read.status).toBe(404);
    expect(read.json.data.data).toBeNull();
    expect(read.json.data.metadata.version).toBe(1);
    expect(read.json.data.metadata.deletion_time).not.toBe("");
    expect(vault.read("secret", "apps/api")).toBeUndefined();
    expect((await call("LIST", "/v1/secret/metadata/apps")).json.data.keys).toEqual(["api"]);
    expect(
      (await call("POST", "/v1/secret/data/apps/api", { body: { options: { cas: 1 }, data: { A: "2" } } })).json.data
        .version,
    ).toBe(2);
  });

  it("answers 404 with an empty errors list for a missing secret and 'no handler' for a missing mount", async () => {
    expect(await call("GET", "/v1/secret/data/missing")).toMatchObject({ status: 404, json: { errors: [] } });
    const noMount = await call("GET", "/v1/nope/data/x");
    expect(noMount.status).toBe(404);
    expect(noMount.json.errors).toEqual(['no handler for route "nope/data/x". route entry not found.']);
  });

  it("routes nested mounts and percent-encoded paths", async () => {
    expect((await call("POST", "/v1/kv/team/data/with%20space", { body: { data: { A: "1" } } })).status).toBe(200);
    expect(vault.read("kv/team", "with space")).toEqual({ A: "1" });
  });
});

describe("fake Vault metadata and listing", () => {
  it("reports metadata and forgets the secret when it is deleted", async () => {
    vault.seed("secret", "apps/api", { A: "1" });
    vault.seed("secret", "apps/api", { A: "2" });
    const metadata = await call("GET", "/v1/secret/metadata/apps/api");
    expect(metadata.json.data).toMatchObject({ current_version: 2, cas_required: false });
    expect(Object.keys(metadata.json.data.versions)).toEqual(["1", "2"]);
    expect(metadata.json.data.created_time).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect((await call("DELETE", "/v1/secret/metadata/apps/api")).status).toBe(204);
    expect(await call("GET", "/v1/secret/metadata/apps/api")).toMatchObject({ status: 404, json: { errors: [] } });
    expect(vault.versions("secret", "apps/api")).toEqual([]);
    expect(
      (await call("POST", "/v1/secret/data/apps/api", { body: { options: { cas: 0 }, data: { A: "3" } } })).json.data
        .version,
    ).toBe(1);
  });

  it("lists keys and folders with LIST and GET ?list=true, 404 when empty", async () => {
    for (const path of ["apps/api", "apps/web", "apps/team/db", "other"]) vault.seed("secret", path, { A: "1" });
    expect((await call("LIST", "/v1/secret/metadata/apps")).json.data.keys).toEqual(["api", "team/", "web"]);
    expect((await call("GET", "/v1/secret/metadata/apps/?list=true")).json.data.keys).toEqual(["api", "team/", "web"]);
    expect((await call("LIST", "/v1/secret/metadata/")).json.data.keys).toEqual(["apps/", "other"]);
    expect(await call("LIST", "/v1/secret/metadata/nothing")).toMatchObject({ status: 404, json: { errors: [] } });
    expect((await call("LIST", "/v1/secret/metadata/apps", { token: "wrong" })).status).toBe(403);
  });
});

describe("fake Vault auth, namespaces and health", () => {
  it("refuses missing or unknown tokens with 403 permission denied, accepts X-Vault-Token and Bearer", async () => {
    expect(await call("GET", "/v1/secret/data/x", { token: null })).toMatchObject({
      status: 403,
      json: { errors: ["permission denied"] },
    });
    expect(await call("GET", "/v1/nope/data/x", { token: "wrong" })).toMatchObject({
      status: 403,
      json: { errors: ["permission denied"] },
    });
    expect(
      (await call("GET", "/v1/secret/data/x", { token: null, headers: { Authorization: "Bearer second-token" } }))
        .status,
    ).toBe(404);
    const self = await call("GET", "/v1/auth/token/lookup-self", { token: "second-token" });
    expect(self.status).toBe(200);
    expect(self.json.data).toMatchObject({ id: "second-token", policies: ["root"], ttl: 0 });
  });

  it("keeps each namespace's secrets apart and refuses unknown namespaces", async () => {
    await call("POST", "/v1/secret/data/x", {
      body: { data: { WHERE: "team-a" } },
      headers: { "X-Vault-Namespace": "team-a/" },
    });
    expect(vault.read("secret", "x", { namespace: "team-a" })).toEqual({ WHERE: "team-a" });
    expect(vault.read("secret", "x")).toBeUndefined();
    expect((await call("GET", "/v1/secret/data/x", { headers: { "X-Vault-Namespace": "team-b" } })).status).toBe(404);
    expect(vault.requests.map((r) => r.namespace)).toEqual(["team-a", "team-b"]);
  });

  it("reports health without a token, and sealed as 503 everywhere", async () => {
    expect(await call("GET", "/v1/sys/health", { token: null })).toMatchObject({
      status: 200,
      json: { initialized: true, sealed: false },
    });
    vault.faults.setSealed(true);
    expect(await call("GET", "/v1/sys/health", { token: null })).toMatchObject({ status: 503, json: { sealed: true } });
    expect(await call("GET", "/v1/secret/data/x")).toMatchObject({
      status: 503,
      json: { errors: ["Vault is sealed"] },
    });
  });
});

describe("fake Vault test controls", () => {
  it("fails the next N requests without effect, then recovers", async () => {
    vault.faults.failNext(2, 503);
    expect((await call("POST", "/v1/secret/data/x", { body: { data: { A: "1" } } })).status).toBe(503);
    expect((await call("GET", "/v1/secret/data/x")).status).toBe(503);
    expect(vault.read("secret", "x")).toBeUndefined();
    expect((await call("POST", "/v1/secret/data/x", { body: { data: { A: "1" } } })).status).toBe(200);
  });

  it("rate-limits the next N requests with Retry-After", async () => {
    vault.faults.rateLimitNext(1, 3);
    const limited = await call("GET", "/v1/secret/data/x");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("3");
    expect(limited.json.errors[0]).toContain("rate limit quota exceeded");
    expect((await call("GET", "/v1/secret/data/x")).status).toBe(404);
  });

  it("leaves hanging requests unanswered and still answers once latency is added", async () => {
    vault.faults.hangNext(1);
    await expect(call("GET", "/v1/secret/data/x", { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    expect(vault.requests.at(-1)).toMatchObject({ method: "GET", status: 0 });
    vault.faults.setLatency(5);
    expect((await call("GET", "/v1/secret/data/x")).status).toBe(404);
    vault.faults.hangNext();
    const pending = call("GET", "/v1/secret/data/x");
    await vi.waitFor(() => expect(vault.requests).toHaveLength(3));
    expect(vault.requests.at(-1)?.status).toBe(0);
    await vault.close();
    await expect(pending).rejects.toThrow();
  });

  it("logs method, path and status only, and notifies API writes but not seeds", async () => {
    const writes: FakeVaultWrite[] = [];
    vault.onWrite((write) => writes.push(write));
    vault.seed("secret", "seeded", { A: "1" });
    await call("POST", "/v1/secret/data/apps/api", { body: { data: { PASSWORD: "value-never-logged" } } });
    expect(writes).toEqual([{ namespace: "", mount: "secret", path: "apps/api", version: 1 }]);
    expect(vault.requests).toEqual([{ method: "POST", path: "/v1/secret/data/apps/api", namespace: "", status: 200 }]);
    expect(JSON.stringify(vault.requests)).not.toMatch(/value-never-logged|root-token/);
  });
});

describe("fake Vault part-way faults and abandoned requests", () => {
  it("fails once N requests have passed, without effect, then recovers", async () => {
    vault.faults.failAfter(2);
    expect((await call("POST", "/v1/secret/data/x", { body: { data: { A: "1" } } })).status).toBe(200);
    expect((await call("GET", "/v1/secret/data/x")).status).toBe(200);
    expect((await call("POST", "/v1/secret/data/x", { body: { data: { A: "2" } } })).status).toBe(500);
    expect(vault.read("secret", "x")).toEqual({ A: "1" });
    expect((await call("POST", "/v1/secret/data/x", { body: { data: { A: "3" } } })).status).toBe(200);
  });

  it("drops a write whose client went away during the latency", async () => {
    vault.faults.setLatency(300);
    const abandoned = call("POST", "/v1/secret/data/x", {
      body: { data: { A: "1" } },
      signal: AbortSignal.timeout(50),
    });
    await expect(abandoned).rejects.toThrow();
    await vi.waitFor(() => expect(vault.requests).toHaveLength(1));
    expect(vault.requests[0]).toMatchObject({ method: "POST", status: 0 });
    expect(vault.read("secret", "x")).toBeUndefined();
  });
});

describe("fake Vault random faults and write log", () => {
  it("draws 5xx, 429 with Retry-After and hangs at random, none of them writing, until turned off", async () => {
    vault.faults.setRandomFaults({ failRate: 1 });
    const failed = await call("POST", "/v1/secret/data/x", { body: { data: { A: "1" } } });
    expect([500, 502, 503, 504]).toContain(failed.status);
    vault.faults.setRandomFaults({ rateLimitRate: 1, retryAfterSeconds: 2 });
    const limited = await call("POST", "/v1/secret/data/x", { body: { data: { A: "2" } } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("2");
    vault.faults.setRandomFaults({ hangRate: 1 });
    const hung = call("POST", "/v1/secret/data/x", { body: { data: { A: "3" } }, signal: AbortSignal.timeout(200) });
    await expect(hung).rejects.toThrow();
    expect(vault.read("secret", "x")).toBeUndefined();
    expect(vault.writeLog()).toEqual([]);
    vault.faults.reset();
    expect((await call("POST", "/v1/secret/data/x", { body: { data: { A: "4" } } })).status).toBe(200);
  });

  it("mixes fault kinds in roughly the configured shares", async () => {
    vault.faults.setRandomFaults({ failRate: 0.5, rateLimitRate: 0.25 });
    const statuses: number[] = [];
    for (let i = 0; i < 200; i++) statuses.push((await call("GET", "/v1/secret/data/x")).status);
    const count = (match: (s: number) => boolean) => statuses.filter(match).length;
    expect(count((s) => s >= 500)).toBeGreaterThan(60);
    expect(count((s) => s >= 500)).toBeLessThan(140);
    expect(count((s) => s === 429)).toBeGreaterThan(20);
    expect(count((s) => s === 429)).toBeLessThan(80);
    expect(count((s) => s === 404)).toBeGreaterThan(20);
    expect(() => vault.faults.setRandomFaults({ failRate: 0.8, hangRate: 0.3 })).toThrow(/at most 1/);
  });

  it("logs every key of every version written through the API in order, not seeds or requests", async () => {
    vault.seed("secret", "seeded", { A: "seed" });
    await call("POST", "/v1/secret/data/apps/api", { body: { data: { A: "a-1", B: "b-1" } } });
    await call("POST", "/v1/secret/data/apps/api", { body: { data: { A: "a-2" } } });
    const headers = { "X-Vault-Namespace": "team-a" };
    await call("POST", "/v1/kv/team/data/x", { body: { data: { C: "c-1" } }, headers });
    const log = vault.writeLog();
    expect(log.map(({ seq, destination, key, value }) => ({ seq, destination, key, value }))).toEqual([
      { seq: 1, destination: "secret/apps/api", key: "A", value: "a-1" },
      { seq: 2, destination: "secret/apps/api", key: "B", value: "b-1" },
      { seq: 3, destination: "secret/apps/api", key: "A", value: "a-2" },
      { seq: 4, destination: "team-a/kv/team/x", key: "C", value: "c-1" },
    ]);
    expect(log.every((entry, i) => i === 0 || entry.at >= log[i - 1]!.at)).toBe(true);
    expect(JSON.stringify(vault.requests)).not.toMatch(/a-1|b-1|c-1/);
  });

  it("answers a late request after a newer one and applies it then (its client still waiting)", async () => {
    vault.faults.setRandomFaults({ delayRate: 1, delayMs: 2000 });
    const late = call("POST", "/v1/secret/data/x", { body: { data: { A: "old" } } });
    await new Promise((resolve) => setTimeout(resolve, 300)); // lets the late request arrive (and draw its delay) first
    vault.faults.reset();
    expect((await call("POST", "/v1/secret/data/x", { body: { data: { A: "new" } } })).status).toBe(200);
    expect((await late).status).toBe(200);
    expect(vault.read("secret", "x")).toEqual({ A: "old" });
    expect(vault.writeLog().map((w) => w.value)).toEqual(["new", "old"]);
  });

  it("never applies a late request whose client gave up (closed the connection) before it was handled", async () => {
    vault.faults.setRandomFaults({ delayRate: 1, delayMs: 500 });
    const signal = AbortSignal.timeout(100);
    const abandoned = call("POST", "/v1/secret/data/x", { body: { data: { A: "old" } }, signal });
    await expect(abandoned).rejects.toThrow();
    await vi.waitFor(() => expect(vault.requests).toEqual([expect.objectContaining({ method: "POST", status: 0 })]), {
      timeout: 10_000,
    });
    expect(vault.read("secret", "x")).toBeUndefined();
    expect(vault.writeLog()).toEqual([]);
  });
});

describe("fake Vault AppRole", () => {
  let approle: FakeVault;
  beforeEach(async () => {
    approle = await startFakeVault({
      namespaces: ["team-a"],
      appRoles: [
        { roleId: "role-a", secretIds: ["secret-a"], tokenTtlSeconds: 60 },
        { roleId: "role-ns", secretIds: ["secret-ns"], namespace: "team-a", mount: "team/approle" },
        { roleId: "lookup-only", secretIds: ["secret-l"], policies: ["default"] },
      ],
    });
  });
  afterEach(async () => {
    await approle.close();
  });
  const send = async (method: string, path: string, headers: Record<string, string>, body?: unknown) => {
    const response = await fetch(`${approle.url}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    // biome-ignore lint/suspicious/noExplicitAny: Vault's JSON, read as the API documents it
    return { status: response.status, json: (await response.json()) as any };
  };
  const login = (roleId: string, secretId: string, options: { mount?: string; namespace?: string } = {}) =>
    send(
      "POST",
      `/v1/auth/${options.mount ?? "approle"}/login`,
      options.namespace ? { "X-Vault-Namespace": options.namespace } : {},
      { role_id: roleId, secret_id: secretId },
    );

  it("logs in without a token and issues a service token with the role's lease and policies", async () => {
    const answer = await login("role-a", "secret-a");
    expect(answer.status).toBe(200);
    expect(answer.json.auth).toMatchObject({ lease_duration: 60, renewable: true, token_type: "service" });
    expect(answer.json.auth.client_token).toMatch(/^hvs\./);
    const token = answer.json.auth.client_token as string;
    const self = await send("GET", "/v1/auth/token/lookup-self", { "X-Vault-Token": token });
    expect(self.json.data).toMatchObject({ path: "auth/approle/login", policies: ["default", "kv-write"] });
    expect(self.json.data.ttl).toBeGreaterThan(0);
    expect((await send("POST", "/v1/secret/data/x", { "X-Vault-Token": token }, { data: { A: "1" } })).status).toBe(
      200,
    );
    expect(approle.appRoleLogins()).toBe(1);
  });

  it("answers wrong or missing ids as Vault does, without saying which id was wrong", async () => {
    expect(await login("role-a", "wrong")).toMatchObject({
      status: 400,
      json: { errors: ["invalid role or secret ID"] },
    });
    expect(await login("nobody", "secret-a")).toMatchObject({
      status: 400,
      json: { errors: ["invalid role or secret ID"] },
    });
    expect(await login("", "secret-a")).toMatchObject({ status: 400, json: { errors: ["missing role_id"] } });
    expect(await login("role-a", "")).toMatchObject({ status: 400, json: { errors: ["missing secret_id"] } });
    expect((await login("role-a", "secret-a", { mount: "other" })).status).toBe(403);
    expect(approle.appRoleLogins()).toBe(0);
  });

  it("keeps a role and its tokens to their namespace and mount", async () => {
    expect((await login("role-ns", "secret-ns", { mount: "team/approle" })).status).toBe(403);
    const answer = await login("role-ns", "secret-ns", { mount: "team/approle", namespace: "team-a" });
    expect(answer.status).toBe(200);
    const token = answer.json.auth.client_token as string;
    expect((await send("GET", "/v1/secret/data/x", { "X-Vault-Token": token })).status).toBe(403);
    const inNamespace = { "X-Vault-Token": token, "X-Vault-Namespace": "team-a" };
    expect((await send("GET", "/v1/auth/token/lookup-self", inNamespace)).status).toBe(200);
  });

  it("enforces the token's policies and refuses expired tokens with 403", async () => {
    const lookupOnly = (await login("lookup-only", "secret-l")).json.auth.client_token as string;
    expect((await send("GET", "/v1/auth/token/lookup-self", { "X-Vault-Token": lookupOnly })).status).toBe(200);
    expect((await send("GET", "/v1/secret/data/x", { "X-Vault-Token": lookupOnly })).json).toEqual({
      errors: ["permission denied"],
    });
    const token = (await login("role-a", "secret-a")).json.auth.client_token as string;
    approle.expireAppRoleTokens();
    expect((await send("GET", "/v1/secret/data/x", { "X-Vault-Token": token })).status).toBe(403);
    expect(approle.requests.every((r) => !r.path.includes("secret-a"))).toBe(true);
  });
});
