CREATE TABLE "admin_alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"subject_kind" text NOT NULL,
	"subject_id" uuid NOT NULL,
	"project_id" uuid,
	"reason" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"notified_at" timestamp with time zone,
	"notifications" integer DEFAULT 0 NOT NULL,
	"recovered_at" timestamp with time zone,
	"recovery_notified_at" timestamp with time zone,
	"claimed_until" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "outgoing_mail_server" (
	"id" text PRIMARY KEY DEFAULT 'system' NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"security" "mail_security" NOT NULL,
	"username" text NOT NULL,
	"password" text NOT NULL,
	"from_address" text NOT NULL,
	"updated_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "outgoing_mail_server_single_row" CHECK ("outgoing_mail_server"."id" = 'system')
);
--> statement-breakpoint
ALTER TABLE "admin_alerts" ADD CONSTRAINT "admin_alerts_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outgoing_mail_server" ADD CONSTRAINT "outgoing_mail_server_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "admin_alerts_open_subject_key" ON "admin_alerts" USING btree ("subject_kind","subject_id") WHERE "admin_alerts"."recovered_at" is null;