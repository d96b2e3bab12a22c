import { eq } from 'drizzle-orm';
import { expect } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { inboundMessages, mailboxes, projects, requests } from '@/db/schema';
import type { Harness } from '../harness';
import { connectOAuthChannel } from './channels';
import { buildEmail } from './emails';
import { seedAdmin, seedProject } from './fixtures';
import type { IngestionProgress, WorkerDatabase, WorkerProcess } from './worker-processes';

export interface BulkMailbox {
  mailboxId: string;
  projectId: string;
  address: string;
  subjects: string[];
}

/** The attachment of bulk message `index`, when the mailbox is seeded with attachments. */
export function bulkAttachment(index: number) {
  return { filename: `invoice-${index}.txt`, contentType: 'text/plain', content: Buffer.from(`Invoice ${index}\n`.repeat(64)) };
}

export interface BulkMailboxOptions {
  key: string;
  address: string;
  count: number;
  protocol: 'imap' | 'pop3';
  afterProcessing: 'mark_read' | 'delete';
  /** Each request's confirmation goes out through the harness's SMTP server. */
  confirmations?: boolean;
  /** Each message carries `bulkAttachment(index)`. */
  attachments?: boolean;
  /** How many of the messages are delivered now (all by default); `bulkEmail` builds the rest. */
  delivered?: number;
}

/** Bulk message `index` of a mailbox, from its own sender so the per-sender rate limit never applies. */
export function bulkEmail(options: Pick<BulkMailboxOptions, 'key' | 'address' | 'attachments'>, index: number): Buffer {
  const subject = `${options.key} message ${index}`;
  return buildEmail({
    from: `Customer ${index} <customer${index}@bulk.test>`,
    to: options.address,
    subject,
    ...(options.attachments ? { attachment: bulkAttachment(index) } : {}),
  });
}

/**
 * A project whose email channel (authorized over OAuth, XOAUTH2-only server as with Microsoft)
 * holds `count` messages (`bulkEmail`).
 */
export async function seedBulkMailbox(harness: Harness, database: DatabaseHandle, options: BulkMailboxOptions): Promise<BulkMailbox> {
  const admin = await seedAdmin(database.db);
  const { project } = await seedProject(database.db, admin, options.key);
  // Without `confirmations` they would only add sends to a server the mailbox is not set up for;
  // whether each request gets one is decided in the transaction that files it, and tested elsewhere.
  await database.db
    .update(projects)
    .set({ sendConfirmations: options.confirmations ?? false })
    .where(eq(projects.id, project.id));
  await harness.addUser(options.address, `pw-${options.key}-0123456789`);
  const { mailbox } = await connectOAuthChannel(harness, database, admin, project.id, {
    email: options.address,
    protocol: options.protocol,
    afterProcessing: options.afterProcessing,
    xoauth2Only: true,
  });
  if (options.confirmations) {
    // Confirmations for a whole backlog at once: above the default pace, which provider-limits.test proves.
    await database.db
      .update(mailboxes)
      .set({ smtpHost: harness.host, smtpPort: harness.smtp.tlsPort, smtpSecurity: 'tls', sendLimitPerMinute: 1000 })
      .where(eq(mailboxes.id, mailbox.id));
  }
  const subjects = Array.from({ length: options.count }, (_, index) => `${options.key} message ${index}`);
  await harness.deliverMany(
    options.address,
    subjects.slice(0, options.delivered ?? options.count).map((_, index) => bulkEmail(options, index)),
  );
  return { mailboxId: mailbox.id, projectId: project.id, address: options.address, subjects };
}

export async function waitUntil<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs: number,
  describe: () => string = () => '',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting until ${what}. ${describe()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Every message settled, with its After processing step done, as far as the database tells. */
export function allHandled(progress: IngestionProgress | null, count: number): boolean {
  return progress !== null && progress.settled >= count && progress.pending === 0 && progress.serverActionsPending === 0;
}

/** Waits until the workers report every message handled and the mail server agrees. */
export async function waitUntilAllHandled(
  database: WorkerDatabase,
  workers: WorkerProcess[],
  harness: Harness,
  mailbox: BulkMailbox,
  serverDone: (messages: Awaited<ReturnType<Harness['listMessages']>>) => boolean,
  timeoutMs: number,
): Promise<void> {
  let last: IngestionProgress | null = null;
  await waitUntil(
    'every message is handled',
    async () => {
      for (const worker of workers) last = (await database.progress(worker)) ?? last;
      return allHandled(last, mailbox.subjects.length) && serverDone(await harness.listMessages(mailbox.address));
    },
    timeoutMs,
    () => `Progress: ${JSON.stringify(last)}.\n${workers.map((worker) => `Worker ${worker.pid}:\n${worker.output}`).join('\n')}`,
  );
}

/** Exactly one request per delivered message: none lost, none twice, and each stored once. */
export async function expectEachMessageFiledOnce(database: DatabaseHandle, mailbox: BulkMailbox): Promise<void> {
  const { db } = database;
  const filed = await db.select({ summary: requests.summary }).from(requests).where(eq(requests.projectId, mailbox.projectId));
  expect(filed).toHaveLength(mailbox.subjects.length);
  expect(new Set(filed.map((row) => row.summary))).toEqual(new Set(mailbox.subjects));

  const stored = await db
    .select({
      status: inboundMessages.status,
      serverAction: inboundMessages.serverAction,
      messageId: inboundMessages.messageId,
      requestId: inboundMessages.requestId,
    })
    .from(inboundMessages)
    .where(eq(inboundMessages.mailboxId, mailbox.mailboxId));
  expect(stored).toHaveLength(mailbox.subjects.length);
  expect(new Set(stored.map((row) => row.messageId)).size).toBe(mailbox.subjects.length);
  expect(new Set(stored.map((row) => row.requestId)).size).toBe(mailbox.subjects.length);
  expect(stored.filter((row) => row.status !== 'processed' || row.serverAction !== 'done')).toEqual([]);

  // Keys have no gaps: no request was created and rolled back, or numbered twice.
  const [project] = await db.select({ counter: projects.requestCounter }).from(projects).where(eq(projects.id, mailbox.projectId));
  expect(project?.counter).toBe(mailbox.subjects.length);
}
