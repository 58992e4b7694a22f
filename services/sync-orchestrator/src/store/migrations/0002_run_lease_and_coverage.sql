ALTER TABLE "sync_runs" ADD COLUMN "lease_id" uuid;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "begun_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "sync_runs" ADD COLUMN "manual_requested_at" timestamp with time zone;