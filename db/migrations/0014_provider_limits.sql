ALTER TYPE "public"."mailbox_status" ADD VALUE 'paused_by_provider';--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "send_limit_per_minute" integer;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "sending_paused_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "sending_pause_reason" text;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "sending_throttles" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "outbound_messages" ADD COLUMN "last_attempt_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "outbound_messages_mailbox_attempt_idx" ON "outbound_messages" USING btree ("mailbox_id","last_attempt_at");