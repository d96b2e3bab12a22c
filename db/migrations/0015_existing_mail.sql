CREATE TYPE "public"."existing_mail_choice" AS ENUM('new_only', 'unread', 'since', 'all');--> statement-breakpoint
CREATE TABLE "mailbox_existing_uidls" (
	"mailbox_id" uuid NOT NULL,
	"uidl" text NOT NULL,
	"import" boolean NOT NULL,
	CONSTRAINT "mailbox_existing_uidls_mailbox_id_uidl_pk" PRIMARY KEY("mailbox_id","uidl")
);
--> statement-breakpoint
ALTER TABLE "inbound_messages" ADD COLUMN "imported" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "mailbox_cursors" ADD COLUMN "existing_messages" integer;--> statement-breakpoint
ALTER TABLE "mailbox_cursors" ADD COLUMN "import_until_uid" bigint;--> statement-breakpoint
ALTER TABLE "mailbox_cursors" ADD COLUMN "import_filter" text;--> statement-breakpoint
ALTER TABLE "mailbox_cursors" ADD COLUMN "import_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "mailbox_cursors" ADD COLUMN "import_total" integer;--> statement-breakpoint
ALTER TABLE "mailbox_cursors" ADD COLUMN "import_started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "mailbox_cursors" ADD COLUMN "import_ended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "mailbox_cursors" ADD COLUMN "import_cancelled" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "existing_mail" "existing_mail_choice" DEFAULT 'new_only' NOT NULL;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "existing_mail_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "requests" ADD COLUMN "imported" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "mailbox_existing_uidls" ADD CONSTRAINT "mailbox_existing_uidls_mailbox_id_mailboxes_id_fk" FOREIGN KEY ("mailbox_id") REFERENCES "public"."mailboxes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
-- Mailboxes connected before the choice existed were read from their first message: keep that,
-- and mark their POP3 import as decided, so nothing they hold is re-decided on the next save.
UPDATE "mailboxes" SET "existing_mail" = 'all';--> statement-breakpoint
INSERT INTO "mailbox_cursors" ("mailbox_id", "folder", "uid_validity", "last_uid") SELECT "id", 'INBOX', 0, 0 FROM "mailboxes" WHERE "protocol" = 'pop3' ON CONFLICT DO NOTHING;
