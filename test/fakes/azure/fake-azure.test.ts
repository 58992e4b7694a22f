import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startFakeAzure, trustFakeAzureCa, type FakeAzure } from "./fake-azure.ts";

const API = "api-version=7.5";

beforeAll(() => trustFakeAzureCa());

describe("fake Azure (identity platform + Key Vault)", () => {
  let fake: FakeAzure;
  beforeEach(async () => {
    fake = await startFakeAzure();
  });
  afterEach(async () => {
    await fake.close();
  });

  async function token(overrides: Record<string, string> = {}): Promise<Response> {
    return fetch(`${fake.url}/${overrides.tenant ?? fake.application.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: fake.application.clientId,
        client_secret: fake.application.clientSecret,
        scope: "https://vault.azure.net/.default",
        ...overrides,
      }),
    });
  }

  async function bearer(): Promise<Record<string, string>> {
    const body = (await (await token()).json()) as { access_token: string };
    return { Authorization: `Bearer ${body.access_token}`, "Content-Type": "application/json" };
  }

  it("serves TLS and issues bearer tokens for the client credentials grant", async () => {
    expect(fake.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const response = await token();
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ token_type: "Bearer", expires_in: 3599 });
  });

  it("refuses a wrong secret, client, tenant or scope with AADSTS codes", async () => {
    const cases: [Record<string, string>, number, string][] = [
      [{ client_secret: "nope" }, 401, "AADSTS7000215"],
      [{ client_id: "00000000-0000-0000-0000-000000000000" }, 400, "AADSTS700016"],
      [{ tenant: "other-tenant" }, 400, "AADSTS90002"],
      [{ scope: "https://management.azure.com/.default" }, 400, "AADSTS70011"],
    ];
    for (const [overrides, status, code] of cases) {
      const response = await token(overrides);
      expect(response.status).toBe(status);
      const body = (await response.json()) as { error_description: string; error_codes: number[] };
      expect(body.error_description).toContain(code);
    }
  });

  it("challenges a request without a token with Key Vault's WWW-Authenticate, and refuses unknown tokens", async () => {
    const anonymous = await fetch(`${fake.url}/secrets?${API}`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toBe(
      `Bearer authorization="${fake.url}/${fake.application.tenantId}", resource="https://vault.azure.net"`,
    );
    const forged = await fetch(`${fake.url}/secrets?${API}`, { headers: { Authorization: "Bearer forged" } });
    expect(forged.status).toBe(401);
    expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("Unauthorized");
  });

  it("requires a known api-version", async () => {
    const headers = await bearer();
    expect((await fetch(`${fake.url}/secrets`, { headers })).status).toBe(400);
    expect((await fetch(`${fake.url}/secrets?api-version=1.0`, { headers })).status).toBe(400);
  });

  it("sets, reads and lists secrets in pages of at most 25 following nextLink", async () => {
    const headers = await bearer();
    for (let i = 0; i < 30; i++) {
      const put = await fetch(`${fake.url}/secrets/S-${i}?${API}`, {
        method: "PUT",
        headers,
        body: JSON.stringify({ value: `v${i}`, tags: { k: String(i) } }),
      });
      expect(put.status).toBe(200);
    }
    const read = (await (await fetch(`${fake.url}/secrets/s-3/?${API}`, { headers })).json()) as { value: string };
    expect(read.value).toBe("v3");
    const first = (await (await fetch(`${fake.url}/secrets?${API}&maxresults=25`, { headers })).json()) as {
      value: { id: string; value?: string }[];
      nextLink: string;
    };
    expect(first.value).toHaveLength(25);
    expect(first.value[0]?.value).toBeUndefined();
    const second = (await (await fetch(first.nextLink, { headers })).json()) as { value: unknown[]; nextLink: null };
    expect(second.value).toHaveLength(5);
    expect(second.nextLink).toBeNull();
    expect((await fetch(`${fake.url}/secrets?${API}&maxresults=26`, { headers })).status).toBe(400);
  });

  it("enforces names, the 25 KB value limit and 15 tags with Azure error bodies", async () => {
    const headers = await bearer();
    const bad = await fetch(`${fake.url}/secrets/a_b?${API}`, { method: "PUT", headers, body: '{"value":"x"}' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("BadParameter");
    const big = await fetch(`${fake.url}/secrets/big?${API}`, {
      method: "PUT",
      headers,
      body: JSON.stringify({ value: "x".repeat(25 * 1024 + 1) }),
    });
    expect(big.status).toBe(413);
    const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "v"]));
    const many = await fetch(`${fake.url}/secrets/tagged?${API}`, {
      method: "PUT",
      headers,
      body: JSON.stringify({ value: "x", tags }),
    });
    expect(many.status).toBe(400);
  });

  it("soft-deletes: the name is refused until recovered or purged", async () => {
    const headers = await bearer();
    fake.seed("TOKEN", "one");
    const deleted = await fetch(`${fake.url}/secrets/TOKEN?${API}`, { method: "DELETE", headers });
    expect(await deleted.json()).toMatchObject({ recoveryId: `${fake.url}/deletedsecrets/TOKEN` });
    expect((await fetch(`${fake.url}/secrets/TOKEN/?${API}`, { headers })).status).toBe(404);
    expect((await fetch(`${fake.url}/deletedsecrets/TOKEN?${API}`, { headers })).status).toBe(200);
    const conflict = await fetch(`${fake.url}/secrets/token?${API}`, { method: "PUT", headers, body: '{"value":"2"}' });
    expect(conflict.status).toBe(409);
    expect(await conflict.json()).toMatchObject({
      error: { code: "Conflict", innererror: { code: "ObjectIsDeletedButRecoverable" } },
    });
    expect((await fetch(`${fake.url}/deletedsecrets/TOKEN/recover?${API}`, { method: "POST", headers })).status).toBe(
      200,
    );
    expect(fake.secrets().get("TOKEN")?.value).toBe("one");
    fake.softDelete("TOKEN");
    expect((await fetch(`${fake.url}/deletedsecrets/TOKEN?${API}`, { method: "DELETE", headers })).status).toBe(204);
    expect(fake.deletedNames()).toEqual([]);
    const fresh = await fetch(`${fake.url}/secrets/TOKEN?${API}`, { method: "PUT", headers, body: '{"value":"3"}' });
    expect(fresh.status).toBe(200);
  });

  it("injects faults: 429 with Retry-After, 5xx, a failure after K writes, and hangs", async () => {
    const headers = await bearer();
    fake.faults.rateLimitNext(1, 7);
    const throttled = await fetch(`${fake.url}/secrets?${API}`, { headers });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("7");
    expect(((await throttled.json()) as { error: { code: string } }).error.code).toBe("Throttled");
    fake.faults.failNext(1, 503);
    expect((await fetch(`${fake.url}/secrets?${API}`, { headers })).status).toBe(503);
    fake.faults.failWritesAfter(1);
    const put = (name: string) =>
      fetch(`${fake.url}/secrets/${name}?${API}`, { method: "PUT", headers, body: '{"value":"x"}' });
    expect((await put("A")).status).toBe(200);
    expect((await put("B")).status).toBe(500);
    expect((await put("C")).status).toBe(200);
    fake.faults.hangNext(1);
    const hung = await fetch(`${fake.url}/secrets?${API}`, { headers, signal: AbortSignal.timeout(300) }).catch(
      (e: unknown) => e,
    );
    expect(hung).toBeInstanceOf(Error);
  });

  it("drops a write whose client went away during the latency", async () => {
    const headers = await bearer();
    fake.faults.setLatency(200);
    const controller = new AbortController();
    const write = fetch(`${fake.url}/secrets/GONE?${API}`, {
      method: "PUT",
      headers,
      body: '{"value":"x"}',
      signal: controller.signal,
    }).catch(() => undefined);
    setTimeout(() => controller.abort(), 50);
    await write;
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(fake.secrets().has("GONE")).toBe(false);
  });
});
