import { setTimeout as sleep } from "node:timers/promises";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeGitLab, type FakeGitLab } from "./fake-gitlab.ts";

const project = { project: "acme/api" } as const;

describe("fake GitLab (REST v4 CI/CD variables)", () => {
  let gitlab: FakeGitLab;
  beforeEach(async () => {
    gitlab = await startFakeGitLab({
      tokens: [
        { token: "glpat-owner" },
        { token: "glpat-maintainer", role: "maintainer" },
        { token: "glpat-developer", role: "developer" },
      ],
      limits: { projectVariables: 5 },
    });
  });
  afterEach(async () => {
    await gitlab.close();
  });

  const api = (path: string, init: RequestInit & { token?: string; bearer?: boolean } = {}) => {
    const token = init.token ?? "glpat-owner";
    const auth: Record<string, string> = init.bearer
      ? { Authorization: `Bearer ${token}` }
      : { "PRIVATE-TOKEN": token };
    return fetch(`${gitlab.url}/api/v4${path}`, {
      ...init,
      headers: { ...auth, ...(init.body ? { "Content-Type": "application/json" } : {}) },
    });
  };
  const variables = "/projects/acme%2Fapi/variables";
  const post = (body: Record<string, unknown>, path = variables) =>
    api(path, { method: "POST", body: JSON.stringify(body) });

  it("checks PRIVATE-TOKEN and Bearer tokens, answering GitLab's 401 body otherwise", async () => {
    expect((await api("/personal_access_tokens/self")).status).toBe(200);
    expect((await api("/user", { bearer: true })).status).toBe(200);
    const refused = await api(variables, { token: "glpat-unknown" });
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ message: "401 Unauthorized" });
    expect((await fetch(`${gitlab.url}/api/v4/user`)).status).toBe(401);
  });

  it("addresses projects by id or URL-encoded full path (any case), and answers 404 for unknown ones", async () => {
    gitlab.seed(project, { A: "1" });
    for (const path of ["/projects/100/variables", "/projects/ACME%2Fapi/variables", variables]) {
      expect(await (await api(path)).json()).toMatchObject([{ key: "A", value: "1", environment_scope: "*" }]);
    }
    const missing = await api("/projects/acme%2Fnope/variables");
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: "404 Project Not Found" });
    expect((await api("/groups/acme/variables")).status).toBe(200);
  });

  it("needs Maintainer for project variables and Owner for group variables (403)", async () => {
    expect((await api(variables, { token: "glpat-developer" })).status).toBe(403);
    expect((await api(variables, { token: "glpat-maintainer" })).status).toBe(200);
    const group = await api("/groups/acme/variables", { token: "glpat-maintainer" });
    expect(group.status).toBe(403);
    expect(await group.json()).toEqual({ message: "403 Forbidden" });
  });

  it("creates, updates and deletes by (key, environment scope), with filter[environment_scope]", async () => {
    expect((await post({ key: "A", value: "star" })).status).toBe(201);
    expect((await post({ key: "A", value: "prod", environment_scope: "production" })).status).toBe(201);
    const taken = await post({ key: "A", value: "again" });
    expect(taken.status).toBe(400);
    expect(await taken.json()).toEqual({ message: { key: ["(A) has already been taken"] } });
    const ambiguous = await api(`${variables}/A`, { method: "PUT", body: JSON.stringify({ value: "x" }) });
    expect(ambiguous.status).toBe(409);
    const filtered = `${variables}/A?${new URLSearchParams({ "filter[environment_scope]": "production" })}`;
    const updated = await api(filtered, { method: "PUT", body: JSON.stringify({ value: "prod-2", description: "d" }) });
    expect(await updated.json()).toMatchObject({ key: "A", value: "prod-2", description: "d" });
    expect(gitlab.read(project, "production")).toEqual(new Map([["A", "prod-2"]]));
    expect((await api(filtered, { method: "DELETE" })).status).toBe(204);
    expect((await api(filtered, { method: "DELETE" })).status).toBe(404);
    expect(gitlab.read(project)).toEqual(new Map([["A", "star"]]));
  });

  it("enforces GitLab's masking rules with 400 {message: {value: [is invalid]}}", async () => {
    const refused = await post({ key: "M", value: "short", masked: true });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toEqual({ message: { value: ["is invalid"] } });
    expect((await post({ key: "M", value: "has space in it", masked: true })).status).toBe(400);
    expect((await post({ key: "M", value: "pa$$word!", masked: true })).status).toBe(400);
    expect((await post({ key: "M", value: "pa$$word!", masked: true, raw: true })).status).toBe(201);
    expect((await post({ key: "N", value: "abc+/=@:.~-_123", masked: true })).status).toBe(201);
  });

  it("never returns hidden values, and keeps them masked", async () => {
    const created = await post({ key: "H", value: "hidden-value-1", masked_and_hidden: true });
    expect(await created.json()).toMatchObject({ key: "H", value: null, hidden: true, masked: true });
    expect(await (await api(variables)).json()).toMatchObject([{ key: "H", value: null }]);
    const unmask = await api(`${variables}/H`, { method: "PUT", body: JSON.stringify({ masked: false }) });
    expect(unmask.status).toBe(400);
    expect(gitlab.read(project).get("H")).toBe("hidden-value-1");
  });

  it("refuses bad keys, long values and more variables than the plan allows", async () => {
    expect(await (await post({ key: "bad-key", value: "1" })).json()).toEqual({
      message: { key: ["can contain only letters, digits and '_'."] },
    });
    expect(await (await post({ key: "LONG", value: "x".repeat(10_001) })).json()).toEqual({
      message: { value: ["is too long (maximum is 10000 characters)"] },
    });
    expect((await post({ key: "LONG", value: "x".repeat(10_000) })).status).toBe(201);
    gitlab.seed(project, { B: "1", C: "1", D: "1", E: "1" });
    const full = await post({ key: "F", value: "1" });
    expect(full.status).toBe(400);
    expect(JSON.stringify(await full.json())).toContain("Maximum number of project ci variables (5) exceeded");
  });

  it("pages with page/per_page, X-* headers and Link", async () => {
    gitlab.seed({ group: "acme" }, Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`K${i}`, String(i)])));
    const first = await api("/groups/acme/variables?per_page=2");
    expect(first.headers.get("x-total")).toBe("5");
    expect(first.headers.get("x-total-pages")).toBe("3");
    expect(first.headers.get("x-next-page")).toBe("2");
    expect(first.headers.get("link")).toMatch(/[?&]page=2[&>][^,]*rel="next"/);
    const last = await api("/groups/acme/variables?per_page=2&page=3");
    expect(await last.json()).toMatchObject([{ key: "K4" }]);
    expect(last.headers.get("x-next-page")).toBe("");
    expect(last.headers.get("link")).not.toContain('rel="next"');
  });

  it("answers 429 with Retry-After and RateLimit-* headers, and injected 5xx with GitLab's body, before any effect", async () => {
    gitlab.faults.rateLimitNext(1, 7);
    const limited = await post({ key: "A", value: "1" });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("7");
    expect(limited.headers.get("ratelimit-remaining")).toBe("0");
    expect(Number(limited.headers.get("ratelimit-reset"))).toBeGreaterThan(Date.now() / 1000);
    expect(await limited.text()).toBe("Retry later\n");
    gitlab.faults.failNext(1, 503);
    const failed = await post({ key: "A", value: "1" });
    expect(await failed.json()).toEqual({ message: "503 Service Unavailable" });
    gitlab.faults.failAfter(1);
    expect((await post({ key: "A", value: "1" })).status).toBe(201);
    expect((await post({ key: "B", value: "1" })).status).toBe(500);
    expect(gitlab.read(project)).toEqual(new Map([["A", "1"]]));
  });

  it("drops a request whose client went away during the latency, so it has no effect", async () => {
    gitlab.faults.setLatency(300);
    const controller = new AbortController();
    const request = api(variables, {
      method: "POST",
      body: JSON.stringify({ key: "A", value: "1" }),
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 50);
    await expect(request).rejects.toThrow();
    await sleep(500);
    expect(gitlab.read(project)).toEqual(new Map());
    expect(gitlab.requests.at(-1)?.status).toBe(0);
  });

  it("hangs requests on demand and logs writes with their destination", async () => {
    gitlab.faults.hangNext(1);
    const hung = await api(variables, { signal: AbortSignal.timeout(200) }).then(
      () => "answered",
      () => "hung",
    );
    expect(hung).toBe("hung");
    await post({ key: "A", value: "1", environment_scope: "production" });
    expect(gitlab.writeLog().map((w) => `${w.destination} ${w.key}`)).toEqual(["project acme/api:production A"]);
  });
});
