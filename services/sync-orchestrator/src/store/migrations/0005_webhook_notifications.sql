CREATE TABLE "sync_alert_states" (
	"sync_id" uuid PRIMARY KEY NOT NULL,
	"failing" boolean NOT NULL,
	"changed_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" uuid PRIMARY KEY NOT NULL,
	"seq" bigserial NOT NULL,
	"endpoint_id" uuid NOT NULL,
	"event_id" uuid NOT NULL,
	"event_type" integer NOT NULL,
	"sync_id" uuid,
	"payload" jsonb NOT NULL,
	"state" integer NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_http_status" integer DEFAULT 0 NOT NULL,
	"last_error_kind" text DEFAULT '' NOT NULL,
	"last_error" text DEFAULT '' NOT NULL,
	"claim_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"next_attempt_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"gave_up_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "webhook_endpoints" (
	"id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"url_origin" text NOT NULL,
	"sealed_url" "bytea" NOT NULL,
	"sealed_secret" "bytea" NOT NULL,
	"root_key_id" text NOT NULL,
	"wrapped_data_key" "bytea" NOT NULL,
	"event_types" jsonb NOT NULL,
	"format" integer NOT NULL,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"secret_rotated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sync_audit_events" ALTER COLUMN "sync_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "sync_alert_states" ADD CONSTRAINT "sync_alert_states_sync_id_secret_syncs_id_fk" FOREIGN KEY ("sync_id") REFERENCES "public"."secret_syncs"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_endpoint_id_webhook_endpoints_id_fk" FOREIGN KEY ("endpoint_id") REFERENCES "public"."webhook_endpoints"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" USING btree ("next_attempt_at");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_endpoint_seq_idx" ON "webhook_deliveries" USING btree ("endpoint_id","seq");--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_endpoints_project_name_key" ON "webhook_endpoints" USING btree ("project_id","name");