ALTER TABLE "secret_syncs" ADD COLUMN "source_recursive" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "secret_syncs" ADD COLUMN "destination_location" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "secret_syncs" ADD COLUMN "destination_instance" text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE "secret_syncs" ADD COLUMN "deletion_requested_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "secret_syncs" ADD COLUMN "deletion_requested_by" text;--> statement-breakpoint
ALTER TABLE "secret_syncs" ADD COLUMN "version" bigint DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "secret_syncs" ADD COLUMN "lease_run_id" uuid;--> statement-breakpoint
ALTER TABLE "secret_syncs" ADD COLUMN "lease_id" uuid;--> statement-breakpoint
ALTER TABLE "secret_syncs" ADD COLUMN "lease_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "secret_syncs" ADD COLUMN "last_run_started_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "secret_syncs_location_idx" ON "secret_syncs" USING btree ("destination","destination_location");