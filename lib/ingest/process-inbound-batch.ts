import { and, eq, inArray } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { inboundMessages, mailboxes, projects } from '@/db/schema';
import { type ParsedEmail, parseEmail } from '@/lib/email/parse-email';
import { log } from '@/lib/log';
import { describeFailure } from '@/lib/runtime/describe-failure';
import { decideSenderPolicy, loadSenderPolicyData, SENDER_RATE_LIMIT_PER_HOUR, type SenderPolicyData, senderRequestCounts } from './apply-sender-policy';
import { fileNewRequests, type NewRequestMail } from './file-new-requests';
import { requestNumberInSubject } from './find-request-for-reply';
import { chunkByWeight, SOURCE_BATCH_BYTES } from './poll-context';
import { inboundStatusOf } from './inbound-outcome';
import { processInboundMessage } from './process-inbound-message';

/** New requests per transaction: one commit for many, yet row and counter locks held only briefly. */
const RUN_LENGTH = 100;

type Mailbox = typeof mailboxes.$inferSelect;
type Project = typeof projects.$inferSelect;

interface BatchContext {
  mailbox: Mailbox;
  project: Project;
  policy: SenderPolicyData;
  /** Requests each sender opened through the mailbox in the last hour, kept up to date through the batch. */
  sent: Map<string, number>;
}

/**
 * Mail that can only become a new request, decided without the database: accepted by the
 * sender policy, naming no request it could answer, under the sender's rate limit. Everything
 * else (replies, ignored, rejected, unparsable mail) takes the one-message path.
 */
function isPlainNewRequest(context: BatchContext, email: ParsedEmail, imported: boolean): boolean {
  const { mailbox, project, policy, sent } = context;
  const decision = decideSenderPolicy(policy, project.emailAccess, email);
  if (decision.verdict !== 'accept' || !mailbox.createRequests) return false;
  const mayAnswer = requestNumberInSubject(email.subject, project.key) !== null || email.inReplyTo.length > 0 || email.references.length > 0;
  if (mailbox.addComments && mayAnswer) return false;
  // Existing mail imported at connection is old mail, not a flood: no rate limit.
  if (decision.allowlisted || imported) return true;
  const count = sent.get(email.from!.address) ?? 0;
  if (count >= SENDER_RATE_LIMIT_PER_HOUR) return false;
  sent.set(email.from!.address, count + 1);
  return true;
}

/** The batch's messages still pending, with their sources: from the caller where it holds them, else read back. */
async function pendingRows(
  db: Database,
  mailboxId: string,
  ids: string[],
  sources: Map<string, Buffer>,
): Promise<{ id: string; imported: boolean; raw: Buffer | null }[]> {
  const rows = await db
    .select({ id: inboundMessages.id, imported: inboundMessages.imported })
    .from(inboundMessages)
    .where(and(inArray(inboundMessages.id, ids), eq(inboundMessages.mailboxId, mailboxId), eq(inboundMessages.status, 'pending')));
  const missing = rows.filter((row) => !sources.has(row.id)).map((row) => row.id);
  const read =
    missing.length > 0
      ? await db.select({ id: inboundMessages.id, raw: inboundMessages.raw }).from(inboundMessages).where(inArray(inboundMessages.id, missing))
      : [];
  const readRaw = new Map(read.map((row) => [row.id, row.raw]));
  return rows.map((row) => ({ ...row, raw: sources.get(row.id) ?? readRaw.get(row.id) ?? null }));
}

async function parsed(raw: Buffer): Promise<ParsedEmail | null> {
  // A message that does not parse takes the one-message path, which records why.
  return parseEmail(raw).catch(() => null);
}

/** A run of new requests in one transaction; should it fail, each message is tried on its own, with the usual retries. */
async function fileRun(db: Database, context: BatchContext, run: NewRequestMail[], beforeEach: () => Promise<void>): Promise<string[]> {
  if (run.length === 0) return [];
  await beforeEach();
  try {
    return await fileNewRequests(db, context.mailbox, context.project, run);
  } catch (error) {
    log.warn('ingest.batch_failed', { mailboxId: context.mailbox.id, messages: run.length, problem: describeFailure(error) });
    const settled: string[] = [];
    for (const { inboundId, email } of run) {
      await beforeEach();
      const outcome = await processInboundMessage(db, inboundId, email);
      if (outcome && inboundStatusOf(outcome) === 'processed') settled.push(inboundId);
    }
    return settled;
  }
}

/**
 * Turns a mailbox's stored messages into requests and comments, in the order given, like
 * processInboundMessage one after the other, but runs of plain new mail go into one
 * transaction each, parsed together. Returns the ids now settled (processed or ignored).
 */
export interface BatchOptions {
  /** Runs before every transaction: the poll's lease check. */
  beforeEach: () => Promise<void>;
  /** Sources the caller holds already, by id: not read back from the database. */
  sources?: Map<string, Buffer>;
}

export async function processInboundMessages(
  db: Database,
  mailboxId: string,
  ids: string[],
  { beforeEach, sources = new Map() }: BatchOptions,
): Promise<string[]> {
  if (ids.length === 0) return [];
  const [mailbox] = await db.select().from(mailboxes).where(eq(mailboxes.id, mailboxId));
  const [project] = mailbox ? await db.select().from(projects).where(eq(projects.id, mailbox.projectId)) : [];
  if (!mailbox || !project) return [];
  const order = new Map(ids.map((id, index) => [id, index]));
  const sizes = (await db.select({ id: inboundMessages.id, size: inboundMessages.size }).from(inboundMessages).where(inArray(inboundMessages.id, ids))).sort(
    (a, b) => order.get(a.id)! - order.get(b.id)!,
  );
  const settled: string[] = [];
  for (const chunk of chunkByWeight(sizes, (row) => row.size, SOURCE_BATCH_BYTES)) {
    const rows = await pendingRows(
      db,
      mailboxId,
      chunk.map((row) => row.id),
      sources,
    );
    rows.sort((a, b) => order.get(a.id)! - order.get(b.id)!);
    const emails = await Promise.all(rows.map((row) => (row.raw ? parsed(row.raw) : null)));
    const senders = [...new Set(emails.flatMap((email) => (email?.from ? [email.from.address] : [])))];
    const context: BatchContext = {
      mailbox,
      project,
      policy: await loadSenderPolicyData(db, project.id),
      sent: await senderRequestCounts(db, mailbox.id, senders),
    };
    let run: NewRequestMail[] = [];
    for (const [index, row] of rows.entries()) {
      const email = emails[index];
      if (email && isPlainNewRequest(context, email, row.imported)) {
        run.push({ inboundId: row.id, email, imported: row.imported });
        if (run.length < RUN_LENGTH) continue;
        settled.push(...(await fileRun(db, context, run, beforeEach)));
        run = [];
        continue;
      }
      settled.push(...(await fileRun(db, context, run, beforeEach)));
      run = [];
      await beforeEach();
      const outcome = await processInboundMessage(db, row.id, email ?? undefined);
      if (outcome && ['processed', 'ignored'].includes(inboundStatusOf(outcome))) settled.push(row.id);
      if (email?.from && outcome?.kind === 'request_created') context.sent.set(email.from.address, (context.sent.get(email.from.address) ?? 0) + 1);
    }
    settled.push(...(await fileRun(db, context, run, beforeEach)));
  }
  return settled;
}
