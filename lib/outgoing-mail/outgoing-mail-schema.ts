import { z } from 'zod';
import { hostSchema, mailboxEmailSchema, portSchema, securitySchema } from '@/lib/mailboxes/mailbox-schema';

/** What a system admin enters under Administration › System › Outgoing mail. */
export const outgoingMailSettingsSchema = z.object({
  host: hostSchema,
  port: portSchema,
  security: securitySchema,
  username: z.string().trim().min(1, 'Enter the user name to sign in with.').max(320, 'Use at most 320 characters.'),
  /** Empty keeps the stored password, as long as it still goes to the same server and user. */
  password: z.string().max(1024).default(''),
  fromAddress: mailboxEmailSchema,
});

export type OutgoingMailSettings = z.output<typeof outgoingMailSettingsSchema>;

/** Send test email: the typed settings and where the email goes. */
export const testEmailSchema = outgoingMailSettingsSchema.extend({ sendTo: mailboxEmailSchema });
