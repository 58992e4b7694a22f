ALTER TABLE "app_connections" ADD COLUMN "root_key_id" text;--> statement-breakpoint
ALTER TABLE "app_connections" ADD COLUMN "wrapped_data_key" "bytea";