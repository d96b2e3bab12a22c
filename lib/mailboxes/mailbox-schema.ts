import { z } from 'zod';
import { normalizeEmailAddress } from '@/lib/oauth/mailbox-domains';

export const mailboxEmailSchema = z
  .string()
  .trim()
  .min(1, 'Enter the mailbox’s email address.')
  .transform((value, context) => {
    const normalized = normalizeEmailAddress(value);
    if (!normalized) {
      context.addIssue({ code: 'custom', message: 'Enter a plain email address such as support@acme.com.' });
      return z.NEVER;
    }
    return normalized;
  });

export const hostSchema = z
  .string()
  .trim()
  .min(1, 'Enter the mail server’s host name.')
  .max(253, 'Use at most 253 characters.')
  .regex(/^[A-Za-z0-9.:[\]-]+$/, 'Enter a host name such as imap.example.com.');

export const portSchema = z.coerce
  .number({ error: 'Enter a port number.' })
  .int('Enter a port number.')
  .min(1, 'Enter a port between 1 and 65535.')
  .max(65535, 'Enter a port between 1 and 65535.');

export const securitySchema = z.enum(['tls', 'starttls'], { error: 'Choose TLS or STARTTLS.' });

const folderSchema = z
  .string()
  .trim()
  .min(1, 'Enter a folder name, such as INBOX.')
  .max(200, 'Use at most 200 characters.')
  .refine((value) => !/[\r\n\0]/.test(value), 'Folder names cannot contain line breaks.');

/**
 * The connection settings a project admin (channel) or system admin (incoming mail server)
 * enters. `authentication` is `password` or the id of an OAuth 2.0 integration.
 */
export const mailboxSettingsSchema = z
  .object({
    emailAddress: mailboxEmailSchema,
    /** See MAILBOX_ACCESS: whose mailbox is read, who signs in, and who the replies come from. */
    access: z.enum(['own', 'shared', 'alias'], { error: 'Choose whose mailbox this is.' }).default('own'),
    /** With `alias`: the mailbox the alias is delivered into. */
    aliasMailbox: z.union([z.literal(''), mailboxEmailSchema]).default(''),
    onlyMailToAlias: z.boolean().default(false),
    authentication: z.union([z.literal('password'), z.uuid()], { error: 'Choose an authentication method.' }),
    protocol: z.enum(['imap', 'pop3'], { error: 'Choose IMAP or POP3.' }),
    host: hostSchema,
    port: portSchema,
    security: securitySchema,
    folder: folderSchema.default('INBOX'),
    afterProcessing: z.enum(['mark_read', 'move', 'delete', 'keep'], { error: 'Choose what happens to processed mail.' }),
    moveToFolder: z.string().trim().max(200).default(''),
    /** Decided when the mailbox (or its folder) is connected; see EXISTING_MAIL_CHOICES. */
    existingMail: z.enum(['new_only', 'unread', 'since', 'all'], { error: 'Choose what happens to the mail already in the mailbox.' }).default('new_only'),
    existingMailSince: z.union([z.literal(''), z.iso.date({ error: 'Enter a date such as 2026-01-31.' })]).default(''),
    username: z.string().trim().max(320).default(''),
    /** Empty on update keeps the stored password. */
    password: z.string().max(1024).default(''),
    /** Where replies go out; empty uses the provider's SMTP server (or this host on port 465). */
    smtpHost: z.union([z.literal(''), hostSchema]).default(''),
    smtpPort: z
      .union([z.literal(''), z.coerce.number().int().min(1, 'Enter a port between 1 and 65535.').max(65535, 'Enter a port between 1 and 65535.')])
      .default(''),
    /** Empty: by the port, 465 TLS and any other STARTTLS. */
    smtpSecurity: z.union([z.literal(''), z.enum(['tls', 'starttls'])], { error: 'Choose TLS or STARTTLS.' }).default(''),
    /** Empty: the provider's pace (30 a minute for Microsoft, 60 otherwise). */
    sendLimitPerMinute: z
      .union([
        z.literal(''),
        z.coerce
          .number({ error: 'Enter a number of emails a minute.' })
          .int('Enter a whole number of emails a minute.')
          .min(1, 'Send at least 1 email a minute.')
          .max(1000, 'Enter at most 1,000 emails a minute.'),
      ])
      .default(''),
  })
  .superRefine((settings, context) => {
    if (settings.access === 'shared' && settings.authentication === 'password') {
      context.addIssue({
        code: 'custom',
        path: ['access'],
        message: 'A Microsoft 365 shared mailbox is read with the sign-in of one of its members: choose an OAuth 2.0 integration.',
      });
    }
    if (settings.access === 'alias') {
      if (!settings.aliasMailbox)
        context.addIssue({ code: 'custom', path: ['aliasMailbox'], message: 'Enter the mailbox the alias is delivered into, such as alice@acme.com.' });
      else if (settings.aliasMailbox === settings.emailAddress)
        context.addIssue({ code: 'custom', path: ['aliasMailbox'], message: 'Enter the mailbox the alias is delivered into, not the alias itself.' });
      if (settings.onlyMailToAlias && settings.protocol === 'pop3')
        context.addIssue({
          code: 'custom',
          path: ['onlyMailToAlias'],
          message: 'Only IMAP can leave the mail to other addresses where it is: choose IMAP, or file all mail of the mailbox.',
        });
    }
    if (settings.protocol === 'pop3' && !['delete', 'keep'].includes(settings.afterProcessing)) {
      context.addIssue({ code: 'custom', path: ['afterProcessing'], message: 'POP3 can only delete processed mail or keep it on the server.' });
    }
    if (settings.protocol === 'pop3' && (settings.existingMail === 'unread' || settings.existingMail === 'since')) {
      context.addIssue({
        code: 'custom',
        path: ['existingMail'],
        message: 'POP3 keeps no read flags or dates Intake could choose by: import everything or only new mail.',
      });
    }
    if (settings.existingMail === 'since') {
      if (!settings.existingMailSince) context.addIssue({ code: 'custom', path: ['existingMailSince'], message: 'Enter the day from which to import mail.' });
      else if (Date.parse(settings.existingMailSince) > Date.now())
        context.addIssue({ code: 'custom', path: ['existingMailSince'], message: 'Enter a day that is not in the future.' });
    }
    if (settings.afterProcessing === 'move') {
      if (!settings.moveToFolder) context.addIssue({ code: 'custom', path: ['moveToFolder'], message: 'Enter the folder to move processed mail to.' });
      else if (settings.moveToFolder === settings.folder)
        context.addIssue({ code: 'custom', path: ['moveToFolder'], message: 'Move processed mail to a folder other than the one Intake reads.' });
    }
  });

export type MailboxSettings = z.output<typeof mailboxSettingsSchema>;

/** An incoming mail server also has a name and a handler: the project it files mail into. */
export const mailServerHandlerSchema = z.object({
  name: z.string().trim().min(1, 'Enter a name for this mail server.').max(120, 'Use at most 120 characters.'),
  projectId: z.uuid({ error: 'Choose the project this mail goes to.' }),
  createRequests: z.boolean().default(true),
  addComments: z.boolean().default(true),
});
