CREATE TABLE "parity" (
	"id" uuid PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"payload" "bytea" NOT NULL,
	"big" bigint NOT NULL,
	"amount" numeric NOT NULL,
	"doc" jsonb NOT NULL,
	"tags" text[] NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX "parity_name_key" ON "parity" USING btree ("name");
