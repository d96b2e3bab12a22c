ALTER TABLE "outgoing_mail_server" ALTER COLUMN "password" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "oauth_authorizations" ADD COLUMN "target" text DEFAULT 'mailbox' NOT NULL;--> statement-breakpoint
ALTER TABLE "outgoing_mail_server" ADD COLUMN "auth_method" "mail_auth_method" DEFAULT 'password' NOT NULL;--> statement-breakpoint
ALTER TABLE "outgoing_mail_server" ADD COLUMN "integration_id" uuid;--> statement-breakpoint
ALTER TABLE "outgoing_mail_server" ADD COLUMN "access_token" text;--> statement-breakpoint
ALTER TABLE "outgoing_mail_server" ADD COLUMN "access_token_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "outgoing_mail_server" ADD COLUMN "refresh_token" text;--> statement-breakpoint
ALTER TABLE "outgoing_mail_server" ADD COLUMN "token_version" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "outgoing_mail_server" ADD COLUMN "authorized_email" text;--> statement-breakpoint
ALTER TABLE "outgoing_mail_server" ADD COLUMN "authorized_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "outgoing_mail_server" ADD COLUMN "status" text DEFAULT 'active' NOT NULL;--> statement-breakpoint
ALTER TABLE "outgoing_mail_server" ADD COLUMN "status_message" text;--> statement-breakpoint
ALTER TABLE "outgoing_mail_server" ADD CONSTRAINT "outgoing_mail_server_integration_id_oauth_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."oauth_integrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outgoing_mail_server" ADD CONSTRAINT "outgoing_mail_server_credential" CHECK (("outgoing_mail_server"."auth_method" = 'password' and "outgoing_mail_server"."password" is not null) or ("outgoing_mail_server"."auth_method" = 'oauth' and "outgoing_mail_server"."integration_id" is not null));