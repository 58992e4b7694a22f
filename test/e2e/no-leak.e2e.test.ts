import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import postgres from "postgres";
import type { Subscription } from "@nats-io/nats-core";
import { IdentityService } from "@syncline/gen/syncline/identity/v1/identity_service_pb.js";
import { NotificationsService } from "@syncline/gen/syncline/notifications/v1/notifications_service_pb.js";
import { WebhookEventType } from "@syncline/gen/syncline/notifications/v1/webhooks_pb.js";
import { SecretsService } from "@syncline/gen/syncline/secrets/v1/secrets_service_pb.js";
import { eventually } from "../support/eventually.ts";
import { createIdentity } from "../support/identities.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { startWebhookReceiver } from "../integration/helpers/webhook-receiver.ts";

/**
 * Security from the first line: a canary secret value and a canary credential go through the
 * whole system, and neither may appear in any service's logs, any exported span, any message on
 * NATS, or any database column in plain text. Neither may the credentials of the system itself:
 * the bootstrap token, the services' tokens and identity tokens (also in error answers), nor a
 * webhook's URL path or signing secret (a failure notification is sent, and checked too). Also: one
 * secret change is one trace from the API call to the destination call.
 */
const canaryValue = `canary-value-${randomBytes(12).toString("hex")}`;
const canaryToken = `canary-token-${randomBytes(12).toString("hex")}`;
const system = useSystem({ name: "no-leak-e2e", services: allServices, vault: { tokens: [canaryToken] }, bus: true });
let subscription: Subscription;
const busMessages: Buffer[] = [];
let projectId: string;

beforeAll(async () => {
  subscription = system.bus.subscribe(">");
  void (async () => {
    for await (const message of subscription) {
      busMessages.push(Buffer.from(message.data));
      const headers = message.headers;
      if (headers)
        for (const key of headers.keys()) busMessages.push(Buffer.from(`${key}:${headers.values(key).join(",")}`));
    }
  })();
  const { project } = await system.secrets.createProject({ name: "leak-check" });
  projectId = project!.id;
  await system.secrets.createEnvironment({ projectId, slug: "prod" });
}, 120_000);

afterAll(async () => {
  subscription?.unsubscribe();
});

describe("no secret value or credential leaks", () => {
  it("keeps canaries out of logs, spans, bus messages and database columns", async () => {
    const { connection } = await system.connections.createAppConnection({
      projectId,
      name: "vault",
      credentials: {
        app: {
          case: "vault",
          value: { instanceUrl: system.vault.url, method: { case: "token", value: { token: canaryToken } } },
        },
      },
    });
    expect(JSON.stringify(connection, (_k, v) => (typeof v === "bigint" ? v.toString() : v))).not.toContain(
      canaryToken,
    );
    await system.secrets.createSecret({ projectId, environment: "prod", path: "/", key: "CANARY", value: canaryValue });
    const { secretSync } = await system.syncs.createSecretSync({
      projectId,
      name: "canary",
      source: { environment: "prod", path: "/" },
      connectionId: connection!.id,
      destinationConfig: { destination: { case: "vaultKv", value: { mount: "secret", path: "canary" } } },
    });
    await eventually(() => (system.vault.read("secret", "canary")?.CANARY === canaryValue ? true : undefined));
    // A failing run too: error paths are where values like to leak.
    system.vault.faults.failNext(2, 500);
    await system.secrets.updateSecret({
      projectId,
      environment: "prod",
      path: "/",
      key: "CANARY",
      value: `${canaryValue}-2`,
    });
    await eventually(() => (system.vault.read("secret", "canary")?.CANARY === `${canaryValue}-2` ? true : undefined));
    await system.syncs.triggerSync({ secretSyncId: secretSync!.id });
    await eventually(async () =>
      (await system.syncs.listSyncRuns({ secretSyncId: secretSync!.id })).runs.every((r) => r.endTime)
        ? true
        : undefined,
    );
    // A failure notification: its body, and the webhook's URL path (a credential) and signing secret.
    const receiver = await startWebhookReceiver();
    const urlCanary = `canary-url-${randomBytes(12).toString("hex")}`;
    const { signingSecret } = await system.client(NotificationsService, system.adminToken).createWebhookEndpoint({
      projectId,
      name: "leak-check",
      url: `${receiver.url}/hook/${urlCanary}`,
      eventTypes: [WebhookEventType.SYNC_FAILED],
    });
    system.vault.faults.failNext(1000, 403);
    await system.syncs.triggerSync({ secretSyncId: secretSync!.id });
    const failure = await eventually(() => receiver.received[0]);
    system.vault.faults.reset();
    await receiver.close();
    expect(failure.json.type).toBe("SYNC_FAILED");
    for (const canary of [canaryValue, canaryToken]) expect(failure.body).not.toContain(canary);
    const webhookCanaries = [urlCanary, signingSecret];

    for (const service of Object.values(system.services)) {
      const output = service.output();
      expect(output.length, `${service.name} wrote logs`).toBeGreaterThan(0);
      expect(output, `${service.name} log`).not.toContain(canaryValue);
      expect(output, `${service.name} log`).not.toContain(canaryToken);
      for (const canary of webhookCanaries) expect(output, `${service.name} log`).not.toContain(canary);
    }
    const spans = JSON.stringify(system.spans());
    expect(system.spans().length).toBeGreaterThan(10);
    expect(spans).not.toContain(canaryValue);
    expect(spans).not.toContain(canaryToken);
    for (const canary of webhookCanaries) expect(spans).not.toContain(canary);
    const bus = Buffer.concat(busMessages);
    expect(busMessages.length).toBeGreaterThan(5);
    expect(bus.includes(canaryValue)).toBe(false);
    expect(bus.includes(canaryToken)).toBe(false);
    for (const [name, database] of Object.entries(system.databases)) {
      const dump = await dumpDatabase(database.url);
      expect(dump.length, `${name} has rows`).toBeGreaterThan(0);
      expect(dump.includes(canaryValue), `${name} database`).toBe(false);
      expect(dump.includes(canaryToken), `${name} database`).toBe(false);
      for (const canary of webhookCanaries) expect(dump.includes(canary), `${name} database`).toBe(false);
    }
  });

  it("keeps the bootstrap token, service tokens and identity tokens out of logs, spans, bus messages, rows and errors", async () => {
    const revoked = await createIdentity(system, { name: "leak-revoked", organizationAdmin: true });
    const kept = await createIdentity(system, { name: "leak-kept", organizationAdmin: true });
    await system.client(SecretsService, kept.token).listProjects({});
    await system.client(SecretsService, revoked.token).listProjects({});
    const admin = system.client(IdentityService, system.adminToken);
    await admin.revokeIdentityToken({ identityId: revoked.identityId, tokenId: revoked.token.slice(4, 28) });
    const refusals = await Promise.all(
      [`${kept.token}x`, `slt_${"0".repeat(24)}_${kept.token.slice(29)}`, system.bootstrapToken].map((token) =>
        system
          .client(SecretsService, token)
          .createProject({ name: "refused" })
          .catch((error: unknown) => error),
      ),
    );
    await system.client(SecretsService, kept.token).getProject({ projectId });
    const canaries = [
      system.bootstrapToken,
      ...Object.values(system.serviceTokens),
      system.adminToken,
      kept.token,
      revoked.token,
      kept.token.slice(29), // an identity token's secret part alone
    ];
    const errors = JSON.stringify(refusals.map((e) => ({ message: (e as Error).message, ...(e as object) })));
    const logs = Object.values(system.services).map((service) => service.output());
    const spans = JSON.stringify(system.spans());
    const bus = Buffer.concat(busMessages);
    const dumps = await Promise.all(Object.values(system.databases).map((database) => dumpDatabase(database.url)));
    for (const canary of canaries) {
      expect(errors, "error answers").not.toContain(canary);
      for (const log of logs) expect(log, "a service log").not.toContain(canary);
      expect(spans, "spans").not.toContain(canary);
      expect(bus.includes(canary), "bus messages").toBe(false);
      for (const dump of dumps) expect(dump.includes(canary), "a database").toBe(false);
    }
  });

  it("follows one secret change in one trace from the API call to the Vault write", async () => {
    const before = new Set(system.spans().map((s) => s.spanId));
    await system.secrets.updateSecret({
      projectId,
      environment: "prod",
      path: "/",
      key: "CANARY",
      value: `${canaryValue}-3`,
    });
    await eventually(() => (system.vault.read("secret", "canary")?.CANARY === `${canaryValue}-3` ? true : undefined));
    const trace = await eventually(
      () => {
        const spans = system.spans().filter((s) => !before.has(s.spanId));
        const api = spans.find(
          (s) => s.name === "syncline.secrets.v1.SecretsService/UpdateSecret" && s.service === "secrets",
        );
        if (!api) return undefined;
        const sameTrace = spans.filter((s) => s.traceId === api.traceId);
        return sameTrace.some((s) => s.service === "connector-worker" && /^vault .*write/i.test(s.name))
          ? sameTrace
          : undefined;
      },
      { describe: () => "no trace links UpdateSecret to the worker's Vault write" },
    );
    const services = new Set(trace.map((s) => s.service));
    expect([...services].sort()).toEqual(expect.arrayContaining(["secrets", "sync-orchestrator", "connector-worker"]));
    expect(trace.some((s) => s.name.includes("StreamSourceSnapshot") && s.service === "secrets")).toBe(true);
  });
});

async function dumpDatabase(url: string | undefined): Promise<Buffer> {
  if (!url) throw new Error("the dump reads each database over SQL: run this file on PostgreSQL");
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    const tables = await sql<
      { schemaname: string; tablename: string }[]
    >`select schemaname, tablename from pg_tables where schemaname not in ('pg_catalog', 'information_schema')`;
    const parts: Buffer[] = [];
    for (const table of tables) {
      const rows = await sql.unsafe(`select t::text as row from "${table.schemaname}"."${table.tablename}" t`);
      for (const row of rows) parts.push(Buffer.from(String(row.row)));
      // bytea columns print as hex in text form; decode them so a plaintext stored as bytes is found too.
      const byteaColumns = await sql<
        { column_name: string }[]
      >`select column_name from information_schema.columns where table_schema = ${table.schemaname} and table_name = ${table.tablename} and data_type = 'bytea'`;
      for (const { column_name } of byteaColumns) {
        const values = await sql.unsafe(
          `select "${column_name}" as value from "${table.schemaname}"."${table.tablename}"`,
        );
        for (const value of values) if (value.value) parts.push(Buffer.from(value.value));
      }
    }
    return Buffer.concat(parts);
  } finally {
    await sql.end();
  }
}
