import { WebhookFormat } from "@syncline/gen/syncline/notifications/v1/webhooks_pb.js";
import type { WebhookEventPayload } from "./webhook-event.ts";

/**
 * The body sent for an event in an endpoint's format: the payload itself (JSON), or a Slack
 * incoming-webhook message (`text` for notifications, `blocks` for the channel) built from it.
 */
export function webhookBody(payload: WebhookEventPayload, format: WebhookFormat): string {
  return JSON.stringify(format === WebhookFormat.SLACK ? slackMessage(payload) : payload);
}

const headlines: Record<string, (sync: string) => string> = {
  SYNC_FAILED: (sync) => `:rotating_light: Sync ${sync} failed`,
  SYNC_RECOVERED: (sync) => `:white_check_mark: Sync ${sync} recovered`,
  DRIFT_DETECTED: (sync) => `:warning: Drift detected at the destination of sync ${sync}`,
  TEST: () => ":wave: Test event from Syncline",
};

/** A Slack message: a headline, the failure or drift in a section, and ids in a context line. */
export function slackMessage(payload: WebhookEventPayload): { text: string; blocks: unknown[] } {
  const sync = payload.sync ? `*${slackEscape(payload.sync.name)}*` : "";
  const headline = (headlines[payload.type] ?? (() => `Syncline event ${payload.type}`))(sync);
  const details: string[] = [];
  if (payload.sync) {
    const { environment, path } = payload.sync.source;
    details.push(`${slackEscape(environment)}:${slackEscape(path)} → ${slackEscape(payload.sync.destination)}`);
  }
  if (payload.error) details.push(`\`${slackEscape(payload.error.kind)}\`: ${slackEscape(payload.error.message)}`);
  if (payload.drift) details.push(driftLine(payload.drift));
  const context = [
    `project ${payload.project.id}`,
    ...(payload.run ? [`run ${payload.run.id}`] : []),
    `event ${payload.id}`,
  ];
  const text = [headline, ...details].join("\n");
  return {
    text,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: headline } },
      ...(details.length > 0 ? [{ type: "section", text: { type: "mrkdwn", text: details.join("\n") } }] : []),
      { type: "context", elements: [{ type: "mrkdwn", text: context.join(" · ") }] },
    ],
  };
}

function driftLine(drift: NonNullable<WebhookEventPayload["drift"]>): string {
  const part = (label: string, keys: readonly string[]) =>
    keys.length > 0
      ? [`${label}: ${keys.slice(0, 20).map(slackEscape).join(", ")}${keys.length > 20 ? ", …" : ""}`]
      : [];
  const parts = [
    ...part("changed", drift.changed_keys),
    ...part("added", drift.added_keys),
    ...part("removed", drift.removed_keys),
  ];
  return `${parts.join("; ")}${drift.repaired ? " (repaired)" : " (reported only)"}`;
}

/** Slack's mrkdwn control characters, escaped as Slack documents. */
function slackEscape(text: string): string {
  return text.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}
