import { bytea } from "@syncline/db";
import {
  bigint,
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { sql } from "drizzle-orm";
import type { StoredDriftReport } from "../domain/drift-rules.ts";

/**
 * Secret syncs with their options. `destination_config` is the binary DestinationConfig protobuf
 * (typed per destination, no secrets in it). The lease columns grant one run of the sync at a
 * time (BeginSyncRun); `version` guards UpdateSecretSync.
 */
export const secretSyncs = pgTable(
  "secret_syncs",
  {
    id: uuid("id").primaryKey(),
    projectId: uuid("project_id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    sourceEnvironment: text("source_environment").notNull(),
    sourcePath: text("source_path").notNull(),
    sourceRecursive: boolean("source_recursive").notNull().default(false),
    connectionId: uuid("connection_id").notNull(),
    destination: integer("destination").notNull(),
    destinationConfig: bytea("destination_config").notNull(),
    /** Where the destination writes (the destination descriptor's `location` of the config), for the overlap check. */
    destinationLocation: text("destination_location").notNull().default(""),
    /** Which server the connection reached when last checked (its app's `instanceOf`); empty when unknown. */
    destinationInstance: text("destination_instance").notNull().default(""),
    initialSyncBehavior: integer("initial_sync_behavior").notNull(),
    keySchema: text("key_schema").notNull().default(""),
    disableSecretDeletion: boolean("disable_secret_deletion").notNull().default(false),
    autoSync: boolean("auto_sync").notNull().default(true),
    /** Set by DeleteSecretSync with remove_secrets: the sync is deleted once its REMOVE run succeeds. */
    deletionRequestedAt: timestamp("deletion_requested_at", { withTimezone: true }),
    deletionRequestedBy: text("deletion_requested_by"),
    lastSyncedRevision: bigint("last_synced_revision", { mode: "bigint" }).notNull().default(sql`0`),
    version: bigint("version", { mode: "bigint" }).notNull().default(sql`1`),
    leaseRunId: uuid("lease_run_id"),
    leaseId: uuid("lease_id"),
    leaseExpiresAt: timestamp("lease_expires_at", { withTimezone: true }),
    lastRunStartedAt: timestamp("last_run_started_at", { withTimezone: true }),
    /** `drift_check_interval` in milliseconds; null means no drift checks. */
    driftCheckIntervalMs: integer("drift_check_interval_ms"),
    /** When the reconciler queues the next drift check (null: none scheduled). */
    nextDriftCheckAt: timestamp("next_drift_check_at", { withTimezone: true }),
    /** The latest drift check's findings, by key name only. */
    driftReport: jsonb("drift_report").$type<StoredDriftReport>(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex("secret_syncs_project_name_key").on(t.projectId, t.name),
    index("secret_syncs_source_idx").on(t.projectId, t.sourceEnvironment, t.sourcePath),
    index("secret_syncs_connection_idx").on(t.connectionId),
    index("secret_syncs_location_idx").on(t.destination, t.destinationLocation),
    index("secret_syncs_next_drift_check_idx").on(t.nextDriftCheckAt),
  ],
);

/**
 * The latest run of each action (sync, import, remove) of a sync, and the highest source revision
 * a run of that action was allowed to write (`written_revision`, the fence).
 */
export const syncActionStatuses = pgTable(
  "sync_action_statuses",
  {
    syncId: uuid("sync_id")
      .notNull()
      .references(() => secretSyncs.id, { onDelete: "cascade" }),
    action: integer("action").notNull(),
    state: integer("state").notNull().default(0),
    runId: uuid("run_id"),
    message: text("message").notNull().default(""),
    sourceRevision: bigint("source_revision", { mode: "bigint" }).notNull().default(sql`0`),
    writtenRevision: bigint("written_revision", { mode: "bigint" }).notNull().default(sql`0`),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }),
    /** The failure kind of the run the status describes when it FAILED (`transient`, `auth`, ...). */
    failureKind: text("failure_kind").notNull().default(""),
    /** Reconciler retries since the action last succeeded (or its configuration changed): the backoff step. */
    retryCount: integer("retry_count").notNull().default(0),
    /** When the reconciler runs the failed action again; null when no retry is due. */
    nextRetryAt: timestamp("next_retry_at", { withTimezone: true }),
  },
  (t) => [
    primaryKey({ columns: [t.syncId, t.action] }),
    index("sync_action_statuses_next_retry_idx").on(t.nextRetryAt),
  ],
);

/**
 * Every run of every action; no values, only key counts. `requested_revision` is the newest source
 * revision folded into the run; `source_revision` the one its worker read.
 */
export const syncRuns = pgTable(
  "sync_runs",
  {
    id: uuid("id").primaryKey(),
    /** Insertion order: pages, "newer run" and retention use it. */
    seq: bigserial("seq", { mode: "bigint" }).notNull(),
    syncId: uuid("sync_id")
      .notNull()
      .references(() => secretSyncs.id, { onDelete: "cascade" }),
    action: integer("action").notNull(),
    trigger: integer("trigger").notNull(),
    state: integer("state").notNull(),
    message: text("message").notNull().default(""),
    sourceRevision: bigint("source_revision", { mode: "bigint" }).notNull().default(sql`0`),
    requestedRevision: bigint("requested_revision", { mode: "bigint" }).notNull().default(sql`0`),
    coalescedRequests: integer("coalesced_requests").notNull().default(0),
    /**
     * SYNC runs: commit time of the oldest source change the run carries (folded into it, or left
     * unwritten by the failed run it follows); null when it carries none. Propagation lag starts here.
     */
    sourceCommitTime: timestamp("source_commit_time", { withTimezone: true }),
    importBehavior: integer("import_behavior").notNull().default(0),
    keysCreated: integer("keys_created").notNull().default(0),
    keysUpdated: integer("keys_updated").notNull().default(0),
    keysDeleted: integer("keys_deleted").notNull().default(0),
    /** The worker's failure kind when the run failed or waits for a retry; empty otherwise. */
    failureKind: text("failure_kind").notNull().default(""),
    /** Attempts that counted: a begin adds one; an attempt that only waited (breaker, rate limit) gives it back. */
    attempts: integer("attempts").notNull().default(0),
    workerId: text("worker_id").notNull().default(""),
    /** The lease of the run's latest begin: only results carrying it are recorded. */
    leaseId: uuid("lease_id"),
    /** When the run was last begun, on the database clock (it read the source after this). */
    begunAt: timestamp("begun_at", { withTimezone: true }),
    /** When the newest request without a revision (manual, creation, configuration) came in, on the database clock. */
    manualRequestedAt: timestamp("manual_requested_at", { withTimezone: true }),
    queuedAt: timestamp("queued_at", { withTimezone: true }).notNull().defaultNow(),
    /** When its request was last published (null: recorded but not published yet). */
    publishedAt: timestamp("published_at", { withTimezone: true }),
    /** When a worker last asked to begin it and was told BUSY (its request is alive in the stream). */
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true }),
    startedAt: timestamp("started_at", { withTimezone: true }),
    endedAt: timestamp("ended_at", { withTimezone: true }),
  },
  (t) => [
    index("sync_runs_sync_queued_idx").on(t.syncId, t.queuedAt),
    index("sync_runs_sync_seq_idx").on(t.syncId, t.seq),
    index("sync_runs_sync_action_state_idx").on(t.syncId, t.action, t.state),
    index("sync_runs_state_idx").on(t.state),
  ],
);

/**
 * Who changed a sync (or a webhook endpoint) and how; kept after it is deleted. Never a value or credential.
 */
export const syncAuditEvents = pgTable(
  "sync_audit_events",
  {
    id: uuid("id").primaryKey(),
    /** Null for a change of something else of the project (a webhook endpoint: `webhook.*`). */
    syncId: uuid("sync_id"),
    projectId: uuid("project_id").notNull(),
    /** `admin`, `service`, or `system` for the orchestrator's own changes. */
    actor: text("actor").notNull(),
    /** The identity's name when `actor` is an identity (at the time of the change). */
    actorName: text("actor_name"),
    /** e.g. `sync.create`, `sync.update`, `sync.delete_requested`, `sync.import`. */
    action: text("action").notNull(),
    details: jsonb("details").$type<Record<string, string>>().notNull().default({}),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("sync_audit_events_sync_idx").on(t.syncId, t.createdAt)],
);

/**
 * Webhook endpoints of a project (NotificationsService). The URL (a Slack URL is a credential) and
 * the signing secret are sealed under the endpoint's data key, itself wrapped by the orchestrator's
 * root key (`root_key_id`); `url_origin` (scheme, host, port) is all that is shown or logged.
 */
export const webhookEndpoints = pgTable(
  "webhook_endpoints",
  {
    id: uuid("id").primaryKey(),
    projectId: uuid("project_id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    urlOrigin: text("url_origin").notNull(),
    sealedUrl: bytea("sealed_url").notNull(),
    sealedSecret: bytea("sealed_secret").notNull(),
    rootKeyId: text("root_key_id").notNull(),
    wrappedDataKey: bytea("wrapped_data_key").notNull(),
    /** WebhookEventType numbers the endpoint is told about. */
    eventTypes: jsonb("event_types").$type<number[]>().notNull(),
    format: integer("format").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    secretRotatedAt: timestamp("secret_rotated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex("webhook_endpoints_project_name_key").on(t.projectId, t.name)],
);

/**
 * One event for one endpoint and what became of it, written in the transaction that recorded the
 * event (a crash loses nothing). `payload` is the event (ids, names, a bounded message; never a value
 * or credential). A dispatcher claims a due row by moving `next_attempt_at` past its attempt and
 * setting `claim_id`; only the claim's holder records the attempt.
 */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: uuid("id").primaryKey(),
    /** Insertion order: the delivery log's pages, newest first. */
    seq: bigserial("seq", { mode: "bigint" }).notNull(),
    endpointId: uuid("endpoint_id")
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: "cascade" }),
    eventId: uuid("event_id").notNull(),
    eventType: integer("event_type").notNull(),
    syncId: uuid("sync_id"),
    payload: jsonb("payload").$type<Record<string, unknown>>().notNull(),
    /** WebhookDeliveryState. */
    state: integer("state").notNull(),
    attempts: integer("attempts").notNull().default(0),
    lastHttpStatus: integer("last_http_status").notNull().default(0),
    lastErrorKind: text("last_error_kind").notNull().default(""),
    lastError: text("last_error").notNull().default(""),
    claimId: uuid("claim_id"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    /** When the next attempt is due (or, while claimed, when the claim lapses); null once finished. */
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }),
    deliveredAt: timestamp("delivered_at", { withTimezone: true }),
    gaveUpAt: timestamp("gave_up_at", { withTimezone: true }),
  },
  (t) => [
    index("webhook_deliveries_due_idx").on(t.nextAttemptAt),
    index("webhook_deliveries_endpoint_seq_idx").on(t.endpointId, t.seq),
  ],
);

/**
 * Whether a sync's sync action is failing, as its last notification said: a failure of a failing
 * sync is no new event, and only a failing sync can recover.
 */
export const syncAlertStates = pgTable("sync_alert_states", {
  syncId: uuid("sync_id")
    .primaryKey()
    .references(() => secretSyncs.id, { onDelete: "cascade" }),
  failing: boolean("failing").notNull(),
  changedAt: timestamp("changed_at", { withTimezone: true }).notNull().defaultNow(),
});
