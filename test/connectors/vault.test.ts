import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createVaultClient } from "../../packages/connectors/vault/vault-client.ts";
import { startFakeVault, type FakeVault } from "../fakes/vault/fake-vault.ts";
import {
  describeDestinationConformance,
  diffOf,
  expectConnectorError,
  expectNoSecrets,
  unreachableUrl,
} from "./conformance.ts";
import { fakesEndpointGuard, vaultConnector } from "./vault-fixtures.ts";
import { vaultKvLimits } from "../../packages/connectors/vault/vault-kv-config.ts";
import { vaultKvDestination } from "../../packages/connectors/vault/vault-kv-destination.ts";

const badToken = "hvs.not-a-token-known-to-vault";

describeDestinationConformance(
  "HashiCorp Vault KV v2",
  async () => {
    const vault = await startFakeVault();
    const current = () => vault.read("secret", "apps/api") ?? {};
    return {
      connector: vaultConnector({ url: vault.url, token: vault.token }),
      connectorWithBadCredentials: vaultConnector({ url: vault.url, token: badToken }),
      unreachableConnector: vaultConnector({ url: await unreachableUrl(), token: vault.token }),
      credentialTexts: [vault.token, badToken],
      async seed(entries) {
        vault.seed("secret", "apps/api", { ...current(), ...entries });
      },
      async inspect() {
        return new Map(Object.entries(vault.read("secret", "apps/api") ?? {}).map(([k, v]) => [k, String(v)]));
      },
      failNext: (count, status) => vault.faults.failNext(count, status),
      rateLimitNext: (count, seconds) => vault.faults.rateLimitNext(count, seconds),
      connect: ({ calls, signal }) =>
        vaultConnector({ url: vault.url, token: vault.token, ...(calls && { calls }), ...(signal && { signal }) }),
      setLatency: (ms) => vault.faults.setLatency(ms),
      hangNext: (count) => vault.faults.hangNext(count),
      // An apply reads the secret first, then writes it.
      failAfterWrites: (writes) => vault.faults.failAfter(writes + 1),
      writeCount: () =>
        vault.requests.filter((r) => !["GET", "LIST"].includes(r.method) && r.status < 300 && r.status >= 200).length,
      close: () => vault.close(),
    };
  },
  vaultKvDestination.capabilities,
  { limits: vaultKvLimits, capacity: vaultKvLimits.maxSecrets },
);

const appRole = { roleId: "syncline-role", secretId: "syncline-secret-id" };

describeDestinationConformance(
  "HashiCorp Vault KV v2 (AppRole)",
  async () => {
    const vault = await startFakeVault({ appRoles: [{ ...appRole, secretIds: [appRole.secretId] }] });
    const current = () => vault.read("secret", "apps/api") ?? {};
    const connector = vaultConnector({ url: vault.url, appRole });
    // Logged in once before the kit injects faults: later connectors share the cached client token.
    await connector.validate();
    return {
      connector,
      connectorWithBadCredentials: vaultConnector({ url: vault.url, appRole: { ...appRole, secretId: badToken } }),
      unreachableConnector: vaultConnector({ url: await unreachableUrl(), appRole }),
      credentialTexts: [appRole.secretId, badToken],
      async seed(entries) {
        vault.seed("secret", "apps/api", { ...current(), ...entries });
      },
      async inspect() {
        return new Map(Object.entries(vault.read("secret", "apps/api") ?? {}).map(([k, v]) => [k, String(v)]));
      },
      failNext: (count, status) => vault.faults.failNext(count, status),
      rateLimitNext: (count, seconds) => vault.faults.rateLimitNext(count, seconds),
      connect: ({ calls, signal }) =>
        vaultConnector({ url: vault.url, appRole, ...(calls && { calls }), ...(signal && { signal }) }),
      setLatency: (ms) => vault.faults.setLatency(ms),
      hangNext: (count) => vault.faults.hangNext(count),
      failAfterWrites: (writes) => vault.faults.failAfter(writes + 1),
      writeCount: () =>
        vault.requests.filter(
          (r) =>
            !["GET", "LIST"].includes(r.method) && !r.path.startsWith("/v1/auth/") && r.status < 300 && r.status >= 200,
        ).length,
      close: () => vault.close(),
    };
  },
  vaultKvDestination.capabilities,
  { limits: vaultKvLimits, capacity: vaultKvLimits.maxSecrets },
);

describe("Vault AppRole tokens", () => {
  let vault: FakeVault;
  beforeEach(async () => {
    vault = await startFakeVault({
      appRoles: [{ ...appRole, secretIds: [appRole.secretId], tokenTtlSeconds: 600, namespace: "team-a" }],
      namespaces: ["team-a"],
    });
  });
  afterEach(async () => {
    await vault.close();
  });

  const client = (now?: () => number) =>
    createVaultClient({
      instanceUrl: vault.url,
      namespace: "team-a",
      auth: { method: "approle", ...appRole, mount: "approle" },
      endpointGuard: fakesEndpointGuard,
      ...(now ? { now } : {}),
    });

  it("logs in once in the namespace and reuses the client token across calls and clients", async () => {
    await client().readKv("secret", "apps/api");
    await client().readKv("secret", "apps/api");
    expect(vault.appRoleLogins()).toBe(1);
    expect(vault.requests[0]).toMatchObject({ method: "POST", path: "/v1/auth/approle/login", namespace: "team-a" });
  });

  it("refreshes an expired token once on Vault's 403 and retries the call", async () => {
    const vaultClient = client();
    await vaultClient.writeKv("secret", "apps/api", { A: "1" }, { cas: 0 });
    vault.expireAppRoleTokens();
    await vaultClient.writeKv("secret", "apps/api", { A: "2" }, { cas: 1 });
    expect(vault.read("secret", "apps/api", { namespace: "team-a" })).toEqual({ A: "2" });
    expect(vault.appRoleLogins()).toBe(2);
    expect(vault.requests.map((r) => r.status)).toEqual([200, 200, 403, 200, 200]);
  });

  it("logs in again shortly before the lease ends, without waiting for a refusal", async () => {
    let now = Date.now();
    const vaultClient = client(() => now);
    await vaultClient.readKv("secret", "apps/api");
    now += 530_000; // under 9 of the token's 10 minutes: still used
    await vaultClient.readKv("secret", "apps/api");
    expect(vault.appRoleLogins()).toBe(1);
    now += 15_000; // within the last tenth of the lease: replaced before the call
    await vaultClient.readKv("secret", "apps/api");
    expect(vault.appRoleLogins()).toBe(2);
    expect(vault.requests.every((r) => r.status !== 403)).toBe(true);
  });

  it("does not retry a refused login: a wrong secret id is final", async () => {
    const wrong = createVaultClient({
      instanceUrl: vault.url,
      namespace: "team-a",
      auth: { method: "approle", ...appRole, secretId: "not-the-secret-id", mount: "approle" },
      endpointGuard: fakesEndpointGuard,
    });
    const refused = await expectConnectorError(wrong.readKv("secret", "apps/api"), "auth");
    expect(refused.message).not.toContain("not-the-secret-id");
    expect(vault.requests.map((r) => `${r.path} ${r.status}`)).toEqual(["/v1/auth/approle/login 400"]);
  });
});

describe("Vault KV connector", () => {
  let vault: FakeVault;
  beforeEach(async () => {
    vault = await startFakeVault({ namespaces: ["team-a"] });
  });
  afterEach(async () => {
    await vault.close();
  });

  it("reports a conflict when another writer changes the secret between read and write, and never overwrites it", async () => {
    vault.seed("secret", "apps/api", { A: "1" });
    let interfered = false;
    vault.onRequest((request) => {
      if (!interfered && request.method === "GET" && request.path === "/v1/secret/data/apps/api") {
        interfered = true;
        vault.seed("secret", "apps/api", { A: "1", OTHER: "written meanwhile" });
      }
    });
    const connector = vaultConnector({ url: vault.url, token: vault.token });
    await expectConnectorError(connector.apply(diffOf({ create: { B: "2" } })), "conflict");
    expect(vault.read("secret", "apps/api")).toEqual({ A: "1", OTHER: "written meanwhile" });

    expect(await connector.apply(diffOf({ create: { B: "2" } }))).toEqual({ created: ["B"], updated: [], deleted: [] });
    expect(vault.read("secret", "apps/api")).toEqual({ A: "1", OTHER: "written meanwhile", B: "2" });
  });

  it("writes over a soft-deleted secret with check-and-set on its current version", async () => {
    vault.seed("secret", "apps/api", { OLD: "x" });
    const deleted = await fetch(`${vault.url}/v1/secret/data/apps/api`, {
      method: "DELETE",
      headers: { "X-Vault-Token": vault.token },
    });
    expect(deleted.status).toBe(204);
    const connector = vaultConnector({ url: vault.url, token: vault.token });
    expect(await connector.list()).toEqual(new Map());
    expect(await connector.apply(diffOf({ create: { A: "1" } }))).toEqual({ created: ["A"], updated: [], deleted: [] });
    expect(vault.versions("secret", "apps/api").map((v) => v.version)).toEqual([1, 2]);
    expect(vault.read("secret", "apps/api")).toEqual({ A: "1" });
  });

  it("writes no new version when a change alters nothing", async () => {
    vault.seed("secret", "apps/api", { A: "1" });
    const connector = vaultConnector({ url: vault.url, token: vault.token });
    expect(await connector.apply(diffOf({ update: { A: "1" }, delete: ["GONE"] }))).toEqual({
      created: [],
      updated: [],
      deleted: [],
    });
    expect(await connector.remove(["GONE"])).toEqual({ created: [], updated: [], deleted: [] });
    expect(vault.versions("secret", "apps/api")).toHaveLength(1);
    expect(vault.requests.filter((r) => r.method === "POST")).toEqual([]);
  });

  it("lists non-string values as JSON and keeps their type when other keys change", async () => {
    vault.seed("secret", "apps/api", { PORT: 8080, FLAGS: { beta: true }, NAME: "api" });
    const connector = vaultConnector({ url: vault.url, token: vault.token });
    expect(await connector.list()).toEqual(
      new Map([
        ["PORT", "8080"],
        ["FLAGS", '{"beta":true}'],
        ["NAME", "api"],
      ]),
    );
    await connector.apply(diffOf({ update: { NAME: "api-2" } }));
    expect(vault.read("secret", "apps/api")).toEqual({ PORT: 8080, FLAGS: { beta: true }, NAME: "api-2" });
  });

  it("refuses values and keys Vault KV cannot hold before calling Vault", async () => {
    const connector = vaultConnector({ url: vault.url, token: vault.token });
    await expectConnectorError(
      connector.apply(diffOf({ create: { BIG: "x".repeat(512 * 1024 + 1) } })),
      "limit_exceeded",
    );
    await expectConnectorError(connector.apply(diffOf({ create: { "a/b": "1" } })), "invalid_config");
    expect(vault.requests).toEqual([]);
  });

  it("validates the token and the path: a missing secret is fine, a missing mount or a refused token is not", async () => {
    await vaultConnector({ url: vault.url, token: vault.token }).validate();
    expect(vault.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
      "GET /v1/auth/token/lookup-self 200",
      "GET /v1/secret/data/apps/api 404",
    ]);
    const missingMount = await expectConnectorError(
      vaultConnector({ url: vault.url, token: vault.token, mount: "kv" }).validate(),
      "not_found",
    );
    expect(missingMount.message).toContain("destination_config.vault_kv.mount");
    const refused = await expectConnectorError(vaultConnector({ url: vault.url, token: badToken }).validate(), "auth");
    expectNoSecrets(refused, [badToken]);
  });

  it("names the path and policy to fix when Vault refuses the token", async () => {
    const error = await expectConnectorError(vaultConnector({ url: vault.url, token: badToken }).list(), "auth");
    expect(error.message).toContain("secret/data/apps/api");
    expect(error.message).toContain("403");
  });

  it("sends the namespace header and works inside the namespace only", async () => {
    const connector = vaultConnector({ url: vault.url, token: vault.token, namespace: "/team-a/" });
    await connector.apply(diffOf({ create: { A: "1" } }));
    expect(vault.read("secret", "apps/api", { namespace: "team-a" })).toEqual({ A: "1" });
    expect(vault.read("secret", "apps/api")).toBeUndefined();
    expect(new Set(vault.requests.map((r) => r.namespace))).toEqual(new Set(["team-a"]));
    await expectConnectorError(
      vaultConnector({ url: vault.url, token: vault.token, namespace: "team-b" }).list(),
      "not_found",
    );
  });

  it("classifies a sealed Vault, a hanging Vault and a cancelled run as transient", async () => {
    vault.faults.setSealed(true);
    const sealed = await expectConnectorError(
      vaultConnector({ url: vault.url, token: vault.token }).list(),
      "transient",
    );
    expect(sealed.message).toContain("503");
    vault.faults.setSealed(false);

    vault.faults.hangNext();
    const client = createVaultClient({
      instanceUrl: vault.url,
      auth: { method: "token", token: vault.token },
      timeoutMs: 50,
    });
    const timedOut = await expectConnectorError(client.readKv("secret", "apps/api"), "transient");
    expect(timedOut.message).toContain("did not answer");

    const controller = new AbortController();
    const pending = vaultConnector({ url: vault.url, token: vault.token, signal: controller.signal }).list();
    controller.abort();
    expect((await expectConnectorError(pending, "transient")).message).toContain("cancelled");
  });
});

describe("Vault client", () => {
  const exporter = new InMemorySpanExporter();
  beforeAll(() => {
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });

  it("traces each call as a CLIENT span with method, path and status, never a value or the token", async () => {
    const vault = await startFakeVault();
    try {
      exporter.reset();
      const connector = vaultConnector({ url: vault.url, token: vault.token });
      await connector.apply(diffOf({ create: { A: "span-secret-value" } }));
      await vaultConnector({ url: vault.url, token: badToken })
        .list()
        .catch(() => undefined);
      const spans = exporter.getFinishedSpans();
      expect(
        spans.map((s) => [
          s.attributes["http.request.method"],
          s.attributes["url.path"],
          s.attributes["http.response.status_code"],
        ]),
      ).toEqual([
        ["GET", "/v1/secret/data/apps/api", 404],
        ["POST", "/v1/secret/data/apps/api", 200],
        ["GET", "/v1/secret/data/apps/api", 403],
      ]);
      expect(
        spans.every((s) => s.kind === SpanKind.CLIENT && s.instrumentationScope.name === "syncline.connectors.vault"),
      ).toBe(true);
      expect(spans[2]?.status.code).toBe(SpanStatusCode.ERROR);
      const recorded = JSON.stringify(spans.map((s) => [s.name, s.attributes, s.status, s.events]));
      for (const secret of ["span-secret-value", vault.token, badToken]) expect(recorded).not.toContain(secret);
    } finally {
      await vault.close();
    }
  });

  it("does not follow a redirect, so the token never reaches another address", async () => {
    const elsewhere = await listen(createServer((_req, res) => res.end("{}")));
    let reachedElsewhere = false;
    elsewhere.server.on("request", () => (reachedElsewhere = true));
    const redirector = await listen(
      createServer((_req, res) => res.writeHead(307, { Location: `${elsewhere.url}/v1/secret/data/apps/api` }).end()),
    );
    try {
      const error = await expectConnectorError(
        createVaultClient({ instanceUrl: redirector.url, auth: { method: "token", token: "hvs.redirected" } }).readKv(
          "secret",
          "apps/api",
        ),
        "invalid_config",
      );
      expect(error.message).toContain("307");
      expect(reachedElsewhere).toBe(false);
    } finally {
      await Promise.all([redirector.close(), elsewhere.close()]);
    }
  });
});

async function listen(server: Server): Promise<{ server: Server; url: string; close: () => Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
