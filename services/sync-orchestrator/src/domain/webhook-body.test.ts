import { WebhookEventType, WebhookFormat } from "@syncline/gen/syncline/notifications/v1/webhooks_pb.js";
import { describe, expect, it } from "vitest";
import { webhookBody } from "./webhook-body.ts";
import { EVENT_MESSAGE_MAX, eventPayload } from "./webhook-event.ts";
import { signatureHeader, verifySignature } from "./webhook-signature.ts";

const payload = eventPayload({
  id: "8d7e5a43-0000-4000-8000-000000000001",
  type: WebhookEventType.SYNC_FAILED,
  time: new Date("2026-01-01T12:00:00Z"),
  projectId: "p-1",
  sync: {
    id: "s-1",
    name: "api<prod>",
    projectId: "p-1",
    destination: 1,
    sourceEnvironment: "prod",
    sourcePath: "/api",
  },
  run: { id: "r-1", trigger: 1 },
  error: { kind: "auth", message: "x".repeat(2000) },
});

describe("webhook bodies", () => {
  it("JSON is the payload, its message bounded", () => {
    const body = JSON.parse(webhookBody(payload, WebhookFormat.JSON));
    expect(body).toMatchObject({
      type: "SYNC_FAILED",
      sync: { destination: "HASHICORP_VAULT" },
      error: { kind: "auth" },
    });
    expect(body.error.message.length).toBe(EVENT_MESSAGE_MAX);
  });

  it("Slack is text and blocks, with Slack's control characters escaped", () => {
    const body = JSON.parse(webhookBody(payload, WebhookFormat.SLACK));
    expect(body.text).toContain("Sync *api&lt;prod&gt;* failed");
    expect(body.blocks.map((block: { type: string }) => block.type)).toEqual(["section", "section", "context"]);
    expect(body.blocks[2].elements[0].text).toContain("run r-1");
  });

  it("a signature verifies for its body and secret only, and only while fresh", () => {
    const header = signatureHeader("whsec_a", "{}", 1_000_000);
    expect(verifySignature("whsec_a", "{}", header, 1_000_100)).toBe(true);
    expect(verifySignature("whsec_b", "{}", header, 1_000_100)).toBe(false);
    expect(verifySignature("whsec_a", "{ }", header, 1_000_100)).toBe(false);
    expect(verifySignature("whsec_a", "{}", header, 1_000_000 + 301)).toBe(false);
  });
});
