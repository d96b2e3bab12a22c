import { z } from 'zod';
import { hostSchema, mailboxEmailSchema, portSchema, securitySchema } from '@/lib/mailboxes/mailbox-schema';

/** What a system admin enters under Administration › System › Outgoing mail. */
export const outgoingMailSettingsSchema = z.object({
  host: hostSchema,
  port: portSchema,
  security: securitySchema,
  /** `password`, or the OAuth 2.0 integration Intake signs in through (SASL XOAUTH2). */
  authentication: z.union([z.literal('password'), z.uuid('Choose an authentication method.')]).default('password'),
  /** With OAuth 2.0, the account that must authorize at the provider. */
  username: z.string().trim().min(1, 'Enter the user name to sign in with.').max(320, 'Use at most 320 characters.'),
  /** Empty keeps the stored password, as long as it still goes to the same server and user. */
  password: z.string().max(1024).default(''),
  fromAddress: mailboxEmailSchema,
});

export type OutgoingMailSettings = z.output<typeof outgoingMailSettingsSchema>;

/** What an authorization carries to the provider and back: the settings, never a password. */
export type OutgoingMailDraft = Omit<OutgoingMailSettings, 'password'>;

/** Send test email: the typed settings and where the email goes. */
export const testEmailSchema = outgoingMailSettingsSchema.extend({ sendTo: mailboxEmailSchema });
