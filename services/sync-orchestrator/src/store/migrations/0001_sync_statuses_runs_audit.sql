CREATE TABLE "sync_action_statuses" (
	"sync_id" uuid NOT NULL,
	"action" integer NOT NULL,
	"state" integer DEFAULT 0 NOT NULL,
	"run_id" uuid,
	"message" text DEFAULT '' NOT NULL,
	"source_revision" bigint DEFAULT 0 NOT NULL,
	"written_revision" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	CONSTRAINT "sync_action_statuses_sync_id_action_pk" PRIMARY KEY("sync_id","action")
);
--> statement-breakpoint
CREATE TABLE "sync_audit_events" (
	"id" uuid PRIMARY KEY NOT NULL,
	"sync_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	"actor" text NOT NULL,
	"action" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "seq" bigserial NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "requested_revision" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "coalesced_requests" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "import_behavior" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "worker_id" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "published_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "last_seen_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_action_statuses" ADD CONSTRAINT "sync_action_statuses_sync_id_secret_syncs_id_fk" FOREIGN KEY ("sync_id") REFERENCES "public"."secret_syncs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sync_audit_events_sync_idx" ON "sync_audit_events" USING btree ("sync_id","created_at");--> statement-breakpoint
CREATE INDEX "secret_syncs_connection_idx" ON "secret_syncs" USING btree ("connection_id");--> statement-breakpoint
CREATE INDEX "sync_runs_sync_seq_idx" ON "sync_runs" USING btree ("sync_id","seq");--> statement-breakpoint
CREATE INDEX "sync_runs_sync_action_state_idx" ON "sync_runs" USING btree ("sync_id","action","state");--> statement-breakpoint
CREATE INDEX "sync_runs_state_idx" ON "sync_runs" USING btree ("state");--> statement-breakpoint
-- Keeps the status of the sync action (added by hand: the columns move to sync_action_statuses).
INSERT INTO "sync_action_statuses" ("sync_id", "action", "state", "run_id", "message", "updated_at")
  SELECT "id", 1, "sync_state", "sync_run_id", "sync_message", coalesce("sync_updated_at", now()) FROM "secret_syncs" WHERE "sync_state" <> 0;--> statement-breakpoint
ALTER TABLE "secret_syncs" DROP COLUMN "sync_state";--> statement-breakpoint
ALTER TABLE "secret_syncs" DROP COLUMN "sync_run_id";--> statement-breakpoint
ALTER TABLE "secret_syncs" DROP COLUMN "sync_message";--> statement-breakpoint
ALTER TABLE "secret_syncs" DROP COLUMN "sync_updated_at";