CREATE TABLE "connection_shares" (
	"connection_id" uuid NOT NULL,
	"project_id" uuid NOT NULL,
	CONSTRAINT "connection_shares_connection_id_project_id_pk" PRIMARY KEY("connection_id","project_id")
);
--> statement-breakpoint
ALTER TABLE "connection_shares" ADD CONSTRAINT "connection_shares_connection_id_app_connections_id_fk" FOREIGN KEY ("connection_id") REFERENCES "public"."app_connections"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "connection_shares_project_idx" ON "connection_shares" USING btree ("project_id","connection_id");