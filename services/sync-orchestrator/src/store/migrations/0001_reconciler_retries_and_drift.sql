ALTER TABLE "secret_syncs" ADD COLUMN "drift_check_interval_ms" integer;--> statement-breakpoint
ALTER TABLE "secret_syncs" ADD COLUMN "next_drift_check_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "secret_syncs" ADD COLUMN "drift_report" jsonb;--> statement-breakpoint
ALTER TABLE "sync_action_statuses" ADD COLUMN "failure_kind" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_action_statuses" ADD COLUMN "retry_count" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_action_statuses" ADD COLUMN "next_retry_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "failure_kind" text DEFAULT '' NOT NULL;--> statement-breakpoint
CREATE INDEX "secret_syncs_next_drift_check_idx" ON "secret_syncs" USING btree ("next_drift_check_at");--> statement-breakpoint
CREATE INDEX "sync_action_statuses_next_retry_idx" ON "sync_action_statuses" USING btree ("next_retry_at");