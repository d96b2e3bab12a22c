import { and, asc, eq, isNull, lte, or, sql } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import type { DatabaseHandle } from '@/db/client';
import { comments, inboundMessages, mailboxes, oauthIntegrations, outboundMessages, projects, requests } from '@/db/schema';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { log } from '@/lib/log';
import { describeFailure } from '@/lib/runtime/describe-failure';
import { MAIL_TIMEOUTS } from '@/lib/mail/mail-settings';
import { getMailboxAccessToken } from '@/lib/mailboxes/mailbox-access-token';
import { PROVIDER_PRESETS } from '@/lib/oauth/providers';
import { requestKey } from '@/lib/requests/insert-request';
import { describeSmtpFailure } from './describe-smtp-failure';

/** Attempts before a message is given up as Failed (over about a day, with backoff). */
export const MAX_SEND_ATTEMPTS = 10;
/** While one worker sends, others leave the message alone for this long. */
const SEND_CLAIM_MS = 5 * 60_000;

type Mailbox = typeof mailboxes.$inferSelect;

/** Queued, its backoff over, and no worker sending it now. */
const dueForSending = and(
  eq(outboundMessages.status, 'queued'),
  lte(outboundMessages.nextAttemptAt, sql`now()`),
  or(isNull(outboundMessages.claimedUntil), lte(outboundMessages.claimedUntil, sql`now()`)),
);

interface SmtpEndpoint {
  host: string;
  port: number;
  security: 'tls' | 'starttls';
}

const securityOfPort = (port: number) => (port === 465 ? 'tls' : 'starttls');

/** The SMTP server replies go out through: the mailbox's own setting, else its provider's, else its IMAP/POP3 host on 465. */
export async function smtpEndpointOf(database: DatabaseHandle, mailbox: Mailbox): Promise<SmtpEndpoint> {
  if (mailbox.smtpHost || mailbox.smtpPort) {
    const port = mailbox.smtpPort ?? 465;
    return { host: mailbox.smtpHost ?? mailbox.host, port, security: mailbox.smtpSecurity ?? securityOfPort(port) };
  }
  if (mailbox.integrationId) {
    const [integration] = await database.db.select({ provider: oauthIntegrations.provider }).from(oauthIntegrations).where(eq(oauthIntegrations.id, mailbox.integrationId));
    const preset = integration ? PROVIDER_PRESETS[integration.provider].smtp : null;
    if (preset) return { ...preset, security: securityOfPort(preset.port) };
  }
  return { host: mailbox.host, port: 465, security: mailbox.smtpSecurity ?? 'tls' };
}

async function transportFor(database: DatabaseHandle, mailbox: Mailbox, { host, port, security }: SmtpEndpoint) {
  const auth =
    mailbox.authMethod === 'oauth'
      ? { type: 'OAuth2' as const, user: mailbox.emailAddress, accessToken: await getMailboxAccessToken({ database, mailboxId: mailbox.id }) }
      : { user: mailbox.username ?? mailbox.emailAddress, pass: getSecretBox().open(mailbox.password ?? '', SECRET_PURPOSE.mailboxPassword) };
  return nodemailer.createTransport({
    host,
    port,
    secure: security === 'tls',
    requireTLS: security === 'starttls',
    auth,
    connectionTimeout: MAIL_TIMEOUTS.connectMs,
    greetingTimeout: MAIL_TIMEOUTS.greetingMs,
    socketTimeout: MAIL_TIMEOUTS.commandMs,
  });
}

/** Message-IDs of the thread so far: what the customer sent and what Intake sent, oldest first. */
async function threadOf(database: DatabaseHandle, requestId: string): Promise<string[]> {
  const received = await database.db
    .select({ messageId: inboundMessages.messageId, at: inboundMessages.fetchedAt })
    .from(inboundMessages)
    .where(eq(inboundMessages.requestId, requestId));
  const sent = await database.db
    .select({ messageId: outboundMessages.messageId, at: outboundMessages.sentAt })
    .from(outboundMessages)
    .where(and(eq(outboundMessages.requestId, requestId), eq(outboundMessages.status, 'sent')));
  return [...received, ...sent]
    .filter((entry): entry is { messageId: string; at: Date } => Boolean(entry.messageId && entry.at))
    .sort((a, b) => a.at.getTime() - b.at.getTime())
    .map((entry) => entry.messageId);
}

function bodyOf(kind: 'reply' | 'confirmation', key: string, projectName: string, commentBody: string): string {
  if (kind === 'reply') return `${commentBody}\n\n-- \n${projectName} · ${key}\nReply to this email to add to the request; keep [${key}] in the subject.`;
  return [
    'Hello,',
    '',
    `we have received your request and filed it as ${key}. Our team will answer you by email.`,
    '',
    `To add information, reply to this email and keep [${key}] in the subject.`,
    '',
    `-- \n${projectName}`,
  ].join('\n');
}

/**
 * Sends one queued message through its channel's own mailbox over SMTP (XOAUTH2 or
 * password). A failure is recorded and retried with backoff; the comment it belongs to is
 * never affected.
 */
export async function sendOutboundMessage(database: DatabaseHandle, outboundId: string): Promise<'sent' | 'retry' | 'failed' | 'skipped'> {
  const { db } = database;
  const [claimed] = await db
    .update(outboundMessages)
    .set({ claimedUntil: sql`now() + ${`${SEND_CLAIM_MS} milliseconds`}::interval` })
    .where(and(eq(outboundMessages.id, outboundId), dueForSending))
    .returning();
  if (!claimed) return 'skipped';
  let endpoint: SmtpEndpoint | undefined;
  try {
    const [row] = await db
      .select({ request: requests, projectName: projects.name, projectKey: projects.key, mailbox: mailboxes })
      .from(requests)
      .innerJoin(projects, eq(projects.id, requests.projectId))
      .innerJoin(mailboxes, eq(mailboxes.id, sql`${claimed.mailboxId}`))
      .where(eq(requests.id, claimed.requestId));
    if (!row) throw new Error('The mailbox this email would be sent from was removed.');
    const [comment] = claimed.commentId ? await db.select({ body: comments.body }).from(comments).where(eq(comments.id, claimed.commentId)) : [];
    const key = requestKey(row.projectKey, row.request.number);
    const thread = await threadOf(database, row.request.id);
    const smtp = await smtpEndpointOf(database, row.mailbox);
    const transport = await transportFor(database, row.mailbox, smtp);
    // From here a failure is the SMTP server's (a token that cannot be had is not).
    endpoint = smtp;
    try {
      await transport.sendMail({
        from: { name: row.projectName, address: row.mailbox.emailAddress },
        to: claimed.recipients,
        subject: claimed.subject,
        text: bodyOf(claimed.kind, key, row.projectName, comment?.body ?? ''),
        messageId: `<${claimed.messageId}>`,
        ...(thread.length > 0 ? { inReplyTo: `<${thread.at(-1)}>`, references: [...thread.slice(0, 1), ...thread.slice(-19)].filter((id, index, all) => all.indexOf(id) === index).map((id) => `<${id}>`) } : {}),
        headers: {
          // Ask customers' servers not to answer with out-of-office replies.
          'X-Auto-Response-Suppress': 'All',
          ...(claimed.kind === 'confirmation' ? { 'Auto-Submitted': 'auto-replied' } : {}),
        },
      });
    } finally {
      transport.close();
    }
    await db.update(outboundMessages).set({ status: 'sent', sentAt: new Date(), lastError: null, attempts: claimed.attempts + 1, claimedUntil: null }).where(eq(outboundMessages.id, claimed.id));
    return 'sent';
  } catch (error) {
    const attempts = claimed.attempts + 1;
    const failed = attempts >= MAX_SEND_ATTEMPTS;
    const message = endpoint ? describeSmtpFailure(error, endpoint) : describeFailure(error);
    await db
      .update(outboundMessages)
      .set({ attempts, lastError: message, status: failed ? 'failed' : 'queued', claimedUntil: null, nextAttemptAt: new Date(Date.now() + Math.min(30_000 * 2 ** attempts, 3_600_000)) })
      .where(eq(outboundMessages.id, claimed.id));
    log.warn('outbound.send_failed', { outboundId, attempts, problem: message });
    return failed ? 'failed' : 'retry';
  }
}

/** Queued messages whose next attempt is due. */
export async function dueOutboundMessages(database: DatabaseHandle, limit = 100): Promise<string[]> {
  const rows = await database.db
    .select({ id: outboundMessages.id })
    .from(outboundMessages)
    .where(dueForSending)
    .orderBy(asc(outboundMessages.nextAttemptAt))
    .limit(limit);
  return rows.map((row) => row.id);
}
