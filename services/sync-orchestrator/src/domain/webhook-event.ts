import { WebhookEventType } from "@syncline/gen/syncline/notifications/v1/webhooks_pb.js";
import { Destination, SyncTrigger } from "@syncline/gen/syncline/syncs/v1/resources_pb.js";

/** The longest error message an event carries (run messages never hold values; this bounds their size). */
export const EVENT_MESSAGE_MAX = 500;

/** What an event says about its sync. */
export interface EventSync {
  readonly id: string;
  readonly name: string;
  readonly projectId: string;
  readonly destination: number;
  readonly sourceEnvironment: string;
  readonly sourcePath: string;
}

/** What an event knows: the sync, the run that caused it and, by type, the failure or the drift. */
export interface EventFacts {
  readonly id: string;
  readonly type: WebhookEventType;
  readonly time: Date;
  readonly projectId: string;
  readonly sync?: EventSync;
  readonly run?: { readonly id: string; readonly trigger: number };
  readonly error?: { readonly kind: string; readonly message: string };
  readonly drift?: {
    readonly changedKeys: readonly string[];
    readonly addedKeys: readonly string[];
    readonly removedKeys: readonly string[];
    readonly repaired: boolean;
  };
}

/** The JSON payload of a webhook event (docs/notifications.md), stored with each delivery and sent as is. */
export interface WebhookEventPayload {
  readonly id: string;
  readonly type: string;
  readonly time: string;
  readonly project: { readonly id: string };
  readonly sync?: {
    readonly id: string;
    readonly name: string;
    readonly destination: string;
    readonly source: { readonly environment: string; readonly path: string };
  };
  readonly run?: { readonly id: string; readonly trigger: string };
  readonly error?: { readonly kind: string; readonly message: string };
  readonly drift?: {
    readonly changed_keys: readonly string[];
    readonly added_keys: readonly string[];
    readonly removed_keys: readonly string[];
    readonly repaired: boolean;
  };
}

/** The event type's name as sent in `type` and `Syncline-Event-Type` (the proto enum's name). */
export function eventTypeName(type: WebhookEventType): string {
  return WebhookEventType[type] ?? "UNSPECIFIED";
}

/**
 * The payload of an event: ids, names, the destination kind, the run's trigger, the failure kind
 * and a message bounded to EVENT_MESSAGE_MAX characters, drift by key name — never a secret value or
 * credential (run messages never carry them).
 */
export function eventPayload(facts: EventFacts): WebhookEventPayload {
  return {
    id: facts.id,
    type: eventTypeName(facts.type),
    time: facts.time.toISOString(),
    project: { id: facts.projectId },
    ...(facts.sync
      ? {
          sync: {
            id: facts.sync.id,
            name: facts.sync.name,
            destination: Destination[facts.sync.destination] ?? "UNSPECIFIED",
            source: { environment: facts.sync.sourceEnvironment, path: facts.sync.sourcePath },
          },
        }
      : {}),
    ...(facts.run ? { run: { id: facts.run.id, trigger: SyncTrigger[facts.run.trigger] ?? "UNSPECIFIED" } } : {}),
    ...(facts.error
      ? { error: { kind: facts.error.kind || "unknown", message: bounded(facts.error.message, EVENT_MESSAGE_MAX) } }
      : {}),
    ...(facts.drift
      ? {
          drift: {
            changed_keys: facts.drift.changedKeys,
            added_keys: facts.drift.addedKeys,
            removed_keys: facts.drift.removedKeys,
            repaired: facts.drift.repaired,
          },
        }
      : {}),
  };
}

function bounded(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
