import { randomBytes } from "node:crypto";
import { NotificationsService } from "@syncline/gen/syncline/notifications/v1/notifications_service_pb.js";
import {
  WebhookDeliveryState,
  WebhookEventType,
  WebhookFormat,
  type WebhookDelivery,
} from "@syncline/gen/syncline/notifications/v1/webhooks_pb.js";
import { SyncState } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";
import { Code, type RpcError } from "@syncline/rpc";
import { afterAll, describe, expect, it } from "vitest";
import { eventually } from "../support/eventually.ts";
import { freePort } from "../support/free-port.ts";
import { createIdentity } from "../support/identities.ts";
import { allServices } from "../support/starter.ts";
import { useSystem } from "../support/use-system.ts";
import { orchestratorSamples } from "./helpers/orchestrator-metrics.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./helpers/webhook-receiver.ts";
import { createVaultSync, finishedRun, settledSync, vaultEquals } from "./helpers/worker-system.ts";
import { useWorkerTestProject } from "./helpers/worker-project.ts";

/**
 * Failure notifications end to end (four processes, the fake Vault, local receivers on node:http):
 * a sync made to fail by the fake Vault is announced once (SYNC_FAILED, signed, replay-safe), its
 * recovery too; drift found by a drift check is DRIFT_DETECTED; a receiver that is down gets the
 * event once it comes up, with the attempts in between recorded; a private address that is not
 * allowlisted is refused and never called; Slack bodies; the API refuses bad input and viewers.
 */
const system = useSystem(
  {
    name: "notify",
    services: allServices,
    database: "postgres",
    sql: "orchestrator",
    env: {
      SYNCLINE_METRICS_PORT: "0",
      SYNCLINE_RECONCILE_INTERVAL_MS: "250",
      SYNCLINE_WEBHOOK_POLL_MS: "100",
      SYNCLINE_WEBHOOK_BACKOFF_BASE_MS: "300",
      SYNCLINE_WEBHOOK_BACKOFF_MAX_MS: "600",
    },
  },
  // Four processes on a loaded machine can take minutes to start.
  { timeoutMs: 300_000 },
);
const project = useWorkerTestProject(system, "notify");
const receivers: WebhookReceiver[] = [];
afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.close()));
});

const unique = (prefix: string) => `${prefix}-${randomBytes(3).toString("hex")}`;
const api = () => system.client(NotificationsService, system.adminToken);
const receiver = async (port = 0) => {
  const started = await startWebhookReceiver(port);
  receivers.push(started);
  return started;
};
const refusal = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as RpcError,
  );

const signingSecrets: string[] = [];
async function endpointFor(url: string, eventTypes: WebhookEventType[], format = WebhookFormat.JSON) {
  const created = await api().createWebhookEndpoint({
    projectId: project.projectId,
    name: unique("hook"),
    url,
    eventTypes,
    format,
  });
  signingSecrets.push(created.signingSecret);
  return created;
}

async function deliveries(endpointId: string): Promise<WebhookDelivery[]> {
  return (await api().listWebhookDeliveries({ endpointId })).deliveries;
}

/** Waits until the endpoint's newest delivery satisfies `done`. */
function newestDelivery(endpointId: string, done: (delivery: WebhookDelivery) => boolean, timeoutMs = 30_000) {
  let last: WebhookDelivery | undefined;
  return eventually(
    async () => {
      last = (await deliveries(endpointId))[0];
      return last && done(last) ? last : undefined;
    },
    {
      timeoutMs,
      describe: () => `newest delivery: ${JSON.stringify(last, (_, v) => (typeof v === "bigint" ? `${v}` : v))}`,
    },
  );
}

describe("webhook notifications", () => {
  it("announce a failing sync once, signed with a timestamp, and its recovery", async () => {
    const hooks = await receiver();
    const path = `/${unique("fail")}`;
    const canary = `canary-${randomBytes(8).toString("hex")}`;
    const created = await endpointFor(`${hooks.url}/hooks/T000/B000/XXXX?token=abc`, [
      WebhookEventType.SYNC_FAILED,
      WebhookEventType.SYNC_RECOVERED,
    ]);
    hooks.secret = created.signingSecret;
    expect(created.signingSecret).toMatch(/^whsec_/);
    expect(created.endpoint?.urlOrigin).toBe(hooks.url);
    const endpointId = created.endpoint!.id;

    await system.secrets.createSecret({ ...env(), path, key: "API_KEY", value: canary });
    system.vault.faults.failNext?.(1000, 403);
    const sync = await createVaultSync(system, project, { path, vaultPath: `apps${path}` });
    const failures = () => hooks.received.filter((hook) => hook.json.type === "SYNC_FAILED");
    const failed = await eventually(() => failures()[0], { timeoutMs: 60_000 });
    expect(failed.verified).toBe(true);
    expect(Math.abs(Date.now() / 1000 - failed.timestamp)).toBeLessThan(120);
    expect(failed.path).toBe("/hooks/T000/B000/XXXX?token=abc");
    expect(failed.headers["syncline-event-type"]).toBe("SYNC_FAILED");
    expect(failed.headers["syncline-event-id"]).toBe(failed.json.id);
    expect(failed.json).toMatchObject({
      type: "SYNC_FAILED",
      project: { id: project.projectId },
      sync: { id: sync.id, name: sync.name, destination: "HASHICORP_VAULT", source: { environment: "dev", path } },
      run: { trigger: "SYNC_CREATED" },
      error: { kind: "auth" },
    });
    expect((failed.json.error as { message: string }).message.length).toBeLessThanOrEqual(500);

    // A repeated failure of a failing sync is no new event.
    const again = (await system.syncs.triggerSync({ secretSyncId: sync.id })).run!;
    expect((await finishedRun(system, sync.id, again.id)).state).toBe(SyncState.FAILED);
    system.vault.faults.reset?.();
    const fixed = (await system.syncs.triggerSync({ secretSyncId: sync.id })).run!;
    expect((await finishedRun(system, sync.id, fixed.id)).state).toBe(SyncState.SUCCEEDED);
    const recovered = await eventually(() => hooks.received.find((hook) => hook.json.type === "SYNC_RECOVERED"));
    expect(recovered.verified).toBe(true);
    expect(recovered.json).toMatchObject({ sync: { id: sync.id }, run: { id: fixed.id, trigger: "MANUAL" } });
    expect(recovered.json.error).toBeUndefined();
    expect(failures()).toHaveLength(1);

    // The receiver has the recovery; the dispatcher records its answer just after.
    await newestDelivery(endpointId, (d) => d.state === WebhookDeliveryState.DELIVERED);
    const log = await deliveries(endpointId);
    expect(log.map((delivery) => delivery.eventType)).toEqual([
      WebhookEventType.SYNC_RECOVERED,
      WebhookEventType.SYNC_FAILED,
    ]);
    expect(log[0]).toMatchObject({ state: WebhookDeliveryState.DELIVERED, attempts: 1, lastHttpStatus: 200 });
    expect(log[0]!.secretSyncId).toBe(sync.id);
    for (const hook of hooks.received) expect(hook.body).not.toContain(canary);
    const delivered = await orchestratorSamples(system, "syncline_webhook_deliveries_total");
    expect(delivered.get('syncline_webhook_deliveries_total{outcome="delivered",event_type="SYNC_FAILED"}')).toBe(1);
  });

  it("announce drift a drift check found, by key name", async () => {
    const hooks = await receiver();
    const created = await endpointFor(hooks.url, [WebhookEventType.DRIFT_DETECTED]);
    hooks.secret = created.signingSecret;
    const path = `/${unique("drift")}`;
    await system.secrets.createSecret({ ...env(), path, key: "A", value: "a-value" });
    const sync = await createVaultSync(system, project, { path, vaultPath: `apps${path}` });
    await vaultEquals(system, `apps${path}`, { A: "a-value" });
    await settledSync(system, sync.id);
    await system.syncs.updateSecretSync({
      secretSyncId: sync.id,
      expectedVersion: (await system.syncs.getSecretSync({ secretSyncId: sync.id })).secretSync!.version,
      driftCheckInterval: { seconds: 60n, nanos: 0 },
    });
    await settledSync(system, sync.id);
    system.vault.seed("secret", `apps${path}`, { A: "edited-by-hand", EXTRA: "added" });
    await system.sql`update secret_syncs set next_drift_check_at = now() where id = ${sync.id}`;
    const drift = await eventually(() => hooks.received.find((hook) => hook.json.type === "DRIFT_DETECTED"), {
      timeoutMs: 60_000,
    });
    expect(drift.verified).toBe(true);
    expect(drift.json).toMatchObject({
      sync: { id: sync.id },
      run: { trigger: "DRIFT_CHECK" },
      drift: { changed_keys: ["A"], added_keys: ["EXTRA"], removed_keys: [], repaired: true },
    });
    expect(drift.body).not.toContain("edited-by-hand");
  });

  it("retry a receiver that is down with backoff, and deliver once it is up", async () => {
    const port = await freePort();
    const created = await endpointFor(`http://127.0.0.1:${port}/down`, [WebhookEventType.SYNC_FAILED]);
    const { delivery } = await api().sendTestEvent({ endpointId: created.endpoint!.id });
    expect(delivery?.eventType).toBe(WebhookEventType.TEST);
    const waiting = await newestDelivery(created.endpoint!.id, (d) => d.attempts >= 2);
    expect(waiting).toMatchObject({ state: WebhookDeliveryState.PENDING, lastErrorKind: "network", lastHttpStatus: 0 });
    expect(waiting.lastError).toContain(`127.0.0.1:${port}`);
    expect(waiting.lastError).not.toContain("/down");
    expect(waiting.nextAttemptTime).toBeDefined();

    const hooks = await receiver(port);
    hooks.secret = created.signingSecret;
    const done = await newestDelivery(created.endpoint!.id, (d) => d.state === WebhookDeliveryState.DELIVERED);
    expect(done.attempts).toBeGreaterThan(waiting.attempts);
    expect(done.deliveredTime).toBeDefined();
    expect(hooks.received).toHaveLength(1);
    expect(hooks.received[0]).toMatchObject({ verified: true, json: { id: done.eventId, type: "TEST" } });
  });

  it("refuse a private address that is not allowlisted: recorded, never sent", async () => {
    const created = await endpointFor("http://10.255.255.1:8080/internal", [WebhookEventType.SYNC_FAILED]);
    await api().sendTestEvent({ endpointId: created.endpoint!.id });
    const refused = await newestDelivery(created.endpoint!.id, (d) => d.state === WebhookDeliveryState.GAVE_UP);
    expect(refused).toMatchObject({ attempts: 1, lastErrorKind: "refused_address", lastHttpStatus: 0 });
    expect(refused.lastError).toContain("SYNCLINE_ENDPOINT_ALLOWLIST");
    expect(refused.gaveUpTime).toBeDefined();
  });

  it("send Slack-compatible bodies, signed too", async () => {
    const hooks = await receiver();
    const created = await endpointFor(
      `${hooks.url}/services/T1/B1/secret`,
      [WebhookEventType.SYNC_FAILED],
      WebhookFormat.SLACK,
    );
    hooks.secret = created.signingSecret;
    await api().sendTestEvent({ endpointId: created.endpoint!.id });
    const hook = await eventually(() => hooks.received[0]);
    expect(hook.verified).toBe(true);
    expect(hook.json.text).toContain("Test event from Syncline");
    expect(hook.json.blocks).toEqual(expect.arrayContaining([expect.objectContaining({ type: "section" })]));
    expect(hook.headers["syncline-event-type"]).toBe("TEST");
  });

  it("refuse bad input naming the field, writing nothing; viewers read but cannot manage; mutations are audited", async () => {
    const before = (await api().listWebhookEndpoints({ projectId: project.projectId })).endpoints.length;
    const bad = await refusal(
      api().createWebhookEndpoint({
        projectId: project.projectId,
        name: "Bad Name",
        url: "ftp://example.com/x",
        eventTypes: [],
      }),
    );
    expect(bad?.code).toBe(Code.INVALID_ARGUMENT);
    for (const field of ["name", "url", "event_types"]) expect(bad?.message).toContain(field);
    expect((await api().listWebhookEndpoints({ projectId: project.projectId })).endpoints).toHaveLength(before);

    const viewer = await createIdentity(system, {
      name: unique("viewer"),
      projectRoles: { [project.projectId]: "viewer" },
    });
    const asViewer = system.client(NotificationsService, viewer.token);
    const denied = await refusal(
      asViewer.createWebhookEndpoint({
        projectId: project.projectId,
        name: unique("hook"),
        url: "https://example.com/hook",
        eventTypes: [WebhookEventType.SYNC_FAILED],
      }),
    );
    expect(denied?.code).toBe(Code.PERMISSION_DENIED);
    const created = await endpointFor("https://example.com/hook/path", [WebhookEventType.SYNC_FAILED]);
    const id = created.endpoint!.id;
    const seen = (await asViewer.getWebhookEndpoint({ endpointId: id })).endpoint!;
    expect(seen.urlOrigin).toBe("https://example.com");
    expect(JSON.stringify(seen, (_, v) => (typeof v === "bigint" ? `${v}` : v))).not.toContain(created.signingSecret);
    expect((await asViewer.listWebhookDeliveries({ endpointId: id })).deliveries).toEqual([]);
    expect((await refusal(asViewer.rotateWebhookSecret({ endpointId: id })))?.code).toBe(Code.PERMISSION_DENIED);

    const rotated = await api().rotateWebhookSecret({ endpointId: id });
    expect(rotated.signingSecret).toMatch(/^whsec_/);
    expect(rotated.signingSecret).not.toBe(created.signingSecret);
    const updated = await api().updateWebhookEndpoint({
      endpointId: id,
      enabled: false,
      url: "https://other.example/x",
    });
    expect(updated.endpoint).toMatchObject({ enabled: false, urlOrigin: "https://other.example" });
    await api().deleteWebhookEndpoint({ endpointId: id });
    expect((await refusal(api().getWebhookEndpoint({ endpointId: id })))?.code).toBe(Code.NOT_FOUND);
    const { events } = await system.syncs.listSyncAuditEvents({ projectId: project.projectId, pageSize: 500 });
    const ofEndpoint = events.filter((event) => event.details.endpoint_id === id).map((event) => event.action);
    expect(ofEndpoint).toEqual(["webhook.delete", "webhook.update", "webhook.rotate_secret", "webhook.create"]);
    for (const event of events) expect(JSON.stringify(event.details)).not.toContain("/hook/path");
  });
});

describe("what the orchestrator logs", () => {
  it("never a webhook URL's path or a signing secret", () => {
    const log = system.services.orchestrator.output();
    expect(log).toContain("webhook delivery");
    for (const secret of signingSecrets) expect(log).not.toContain(secret);
    for (const path of ["/hooks/T000/B000/XXXX", "token=abc", "/services/T1/B1/secret", "/internal", "/down"]) {
      expect(log).not.toContain(path);
    }
  });
});

function env() {
  return { projectId: project.projectId, environment: project.environment };
}
