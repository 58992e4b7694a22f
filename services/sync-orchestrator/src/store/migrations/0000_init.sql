CREATE TABLE "secret_syncs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"source_environment" text NOT NULL,
	"source_path" text NOT NULL,
	"source_recursive" boolean DEFAULT false NOT NULL,
	"connection_id" uuid NOT NULL,
	"destination" integer NOT NULL,
	"destination_config" "bytea" NOT NULL,
	"destination_location" text DEFAULT '' NOT NULL,
	"destination_instance" text DEFAULT '' NOT NULL,
	"initial_sync_behavior" integer NOT NULL,
	"key_schema" text DEFAULT '' NOT NULL,
	"disable_secret_deletion" boolean DEFAULT false NOT NULL,
	"auto_sync" boolean DEFAULT true NOT NULL,
	"deletion_requested_at" timestamp with time zone,
	"deletion_requested_by" text,
	"last_synced_revision" bigint DEFAULT 0 NOT NULL,
	"version" bigint DEFAULT 1 NOT NULL,
	"lease_run_id" uuid,
	"lease_id" uuid,
	"lease_expires_at" timestamp with time zone,
	"last_run_started_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
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
CREATE TABLE "sync_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"sync_id" uuid NOT NULL,
	"action" integer NOT NULL,
	"trigger" integer NOT NULL,
	"state" integer NOT NULL,
	"message" text DEFAULT '' NOT NULL,
	"source_revision" bigint DEFAULT 0 NOT NULL,
	"requested_revision" bigint DEFAULT 0 NOT NULL,
	"coalesced_requests" integer DEFAULT 0 NOT NULL,
	"import_behavior" integer DEFAULT 0 NOT NULL,
	"keys_created" integer DEFAULT 0 NOT NULL,
	"keys_updated" integer DEFAULT 0 NOT NULL,
	"keys_deleted" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"worker_id" text DEFAULT '' NOT NULL,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_at" timestamp with time zone,
	"last_seen_at" timestamp with time zone,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "sync_action_statuses" ADD CONSTRAINT "sync_action_statuses_sync_id_secret_syncs_id_fk" FOREIGN KEY ("sync_id") REFERENCES "public"."secret_syncs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_sync_id_secret_syncs_id_fk" FOREIGN KEY ("sync_id") REFERENCES "public"."secret_syncs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "secret_syncs_project_name_key" ON "secret_syncs" USING btree ("project_id","name");--> statement-breakpoint
CREATE INDEX "secret_syncs_source_idx" ON "secret_syncs" USING btree ("project_id","source_environment","source_path");--> statement-breakpoint
CREATE INDEX "secret_syncs_connection_idx" ON "secret_syncs" USING btree ("connection_id");--> statement-breakpoint
CREATE INDEX "secret_syncs_location_idx" ON "secret_syncs" USING btree ("destination","destination_location");--> statement-breakpoint
CREATE INDEX "sync_audit_events_sync_idx" ON "sync_audit_events" USING btree ("sync_id","created_at");--> statement-breakpoint
CREATE INDEX "sync_runs_sync_queued_idx" ON "sync_runs" USING btree ("sync_id","queued_at");--> statement-breakpoint
CREATE INDEX "sync_runs_sync_seq_idx" ON "sync_runs" USING btree ("sync_id","seq");--> statement-breakpoint
CREATE INDEX "sync_runs_sync_action_state_idx" ON "sync_runs" USING btree ("sync_id","action","state");--> statement-breakpoint
CREATE INDEX "sync_runs_state_idx" ON "sync_runs" USING btree ("state");