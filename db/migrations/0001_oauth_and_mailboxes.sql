CREATE TYPE "public"."after_processing" AS ENUM('mark_read', 'move', 'delete', 'keep');--> statement-breakpoint
CREATE TYPE "public"."mail_auth_method" AS ENUM('oauth', 'password');--> statement-breakpoint
CREATE TYPE "public"."mail_protocol" AS ENUM('imap', 'pop3');--> statement-breakpoint
CREATE TYPE "public"."mail_security" AS ENUM('tls', 'starttls');--> statement-breakpoint
CREATE TYPE "public"."mailbox_kind" AS ENUM('channel', 'server');--> statement-breakpoint
CREATE TYPE "public"."mailbox_status" AS ENUM('active', 'needs_reauthorization', 'failing', 'disabled');--> statement-breakpoint
CREATE TYPE "public"."oauth_provider" AS ENUM('google', 'microsoft', 'custom');--> statement-breakpoint
CREATE TABLE "mailboxes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" "mailbox_kind" NOT NULL,
	"name" text NOT NULL,
	"project_id" uuid NOT NULL,
	"email_address" text NOT NULL,
	"protocol" "mail_protocol" NOT NULL,
	"host" text NOT NULL,
	"port" integer NOT NULL,
	"security" "mail_security" NOT NULL,
	"folder" text DEFAULT 'INBOX' NOT NULL,
	"after_processing" "after_processing" NOT NULL,
	"move_to_folder" text,
	"auth_method" "mail_auth_method" NOT NULL,
	"integration_id" uuid,
	"username" text,
	"password" text,
	"access_token" text,
	"access_token_expires_at" timestamp with time zone,
	"refresh_token" text,
	"token_version" integer DEFAULT 0 NOT NULL,
	"authorized_email" text,
	"authorized_at" timestamp with time zone,
	"create_requests" boolean DEFAULT true NOT NULL,
	"add_comments" boolean DEFAULT true NOT NULL,
	"status" "mailbox_status" DEFAULT 'disabled' NOT NULL,
	"status_message" text,
	"status_since" timestamp with time zone DEFAULT now() NOT NULL,
	"last_check_at" timestamp with time zone,
	"last_success_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "oauth_authorizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"state_hash" text NOT NULL,
	"browser_binding_hash" text NOT NULL,
	"integration_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"code_verifier" text NOT NULL,
	"nonce" text NOT NULL,
	"mailbox_id" uuid,
	"draft" jsonb,
	"return_to" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"outcome" text,
	"outcome_message" text,
	"result_mailbox_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "oauth_integrations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"provider" "oauth_provider" NOT NULL,
	"authorization_endpoint" text NOT NULL,
	"token_endpoint" text NOT NULL,
	"issuer" text,
	"userinfo_endpoint" text,
	"jwks_uri" text,
	"revocation_endpoint" text,
	"client_id" text NOT NULL,
	"client_secret" text NOT NULL,
	"scopes" text[] NOT NULL,
	"mailbox_domains" text[] NOT NULL,
	"last_tested_at" timestamp with time zone,
	"last_test_ok" boolean,
	"last_test_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mailboxes" ADD CONSTRAINT "mailboxes_project_id_projects_id_fk" FOREIGN KEY ("project_id") REFERENCES "public"."projects"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD CONSTRAINT "mailboxes_integration_id_oauth_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."oauth_integrations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_authorizations" ADD CONSTRAINT "oauth_authorizations_integration_id_oauth_integrations_id_fk" FOREIGN KEY ("integration_id") REFERENCES "public"."oauth_integrations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_authorizations" ADD CONSTRAINT "oauth_authorizations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "oauth_authorizations" ADD CONSTRAINT "oauth_authorizations_mailbox_id_mailboxes_id_fk" FOREIGN KEY ("mailbox_id") REFERENCES "public"."mailboxes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "mailboxes_email_address_key" ON "mailboxes" USING btree ("email_address");--> statement-breakpoint
CREATE UNIQUE INDEX "mailboxes_one_channel_per_project" ON "mailboxes" USING btree ("project_id") WHERE "mailboxes"."kind" = 'channel';--> statement-breakpoint
CREATE INDEX "mailboxes_integration_idx" ON "mailboxes" USING btree ("integration_id");--> statement-breakpoint
CREATE UNIQUE INDEX "oauth_authorizations_state_key" ON "oauth_authorizations" USING btree ("state_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "oauth_integrations_name_key" ON "oauth_integrations" USING btree ("name");