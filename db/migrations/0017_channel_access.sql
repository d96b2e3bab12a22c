CREATE TYPE "public"."mailbox_access" AS ENUM('own', 'shared', 'alias');--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "access" "mailbox_access" DEFAULT 'own' NOT NULL;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "alias_mailbox" text;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "only_mail_to_alias" boolean DEFAULT false NOT NULL;