CREATE TABLE "secret_syncs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"source_environment" text NOT NULL,
	"source_path" text NOT NULL,
	"connection_id" uuid NOT NULL,
	"destination" integer NOT NULL,
	"destination_config" "bytea" NOT NULL,
	"initial_sync_behavior" integer NOT NULL,
	"key_schema" text DEFAULT '' NOT NULL,
	"disable_secret_deletion" boolean DEFAULT false NOT NULL,
	"auto_sync" boolean DEFAULT true NOT NULL,
	"sync_state" integer DEFAULT 0 NOT NULL,
	"sync_run_id" uuid,
	"sync_message" text DEFAULT '' NOT NULL,
	"sync_updated_at" timestamp with time zone,
	"last_synced_revision" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sync_runs" (
	"id" uuid PRIMARY KEY NOT NULL,
	"sync_id" uuid NOT NULL,
	"action" integer NOT NULL,
	"trigger" integer NOT NULL,
	"state" integer NOT NULL,
	"message" text DEFAULT '' NOT NULL,
	"source_revision" bigint DEFAULT 0 NOT NULL,
	"keys_created" integer DEFAULT 0 NOT NULL,
	"keys_updated" integer DEFAULT 0 NOT NULL,
	"keys_deleted" integer DEFAULT 0 NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"queued_at" timestamp with time zone DEFAULT now() NOT NULL,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "sync_runs" ADD CONSTRAINT "sync_runs_sync_id_secret_syncs_id_fk" FOREIGN KEY ("sync_id") REFERENCES "public"."secret_syncs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "secret_syncs_project_name_key" ON "secret_syncs" USING btree ("project_id","name");--> statement-breakpoint
CREATE INDEX "secret_syncs_source_idx" ON "secret_syncs" USING btree ("project_id","source_environment","source_path");--> statement-breakpoint
CREATE INDEX "sync_runs_sync_queued_idx" ON "sync_runs" USING btree ("sync_id","queued_at");