CREATE TABLE "app_connections" (
	"id" uuid PRIMARY KEY NOT NULL,
	"project_id" uuid NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"app" integer NOT NULL,
	"method" integer NOT NULL,
	"sealed_credentials" "bytea" NOT NULL,
	"redacted" jsonb NOT NULL,
	"fingerprint" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "app_connections_project_name_key" ON "app_connections" USING btree ("project_id","name");