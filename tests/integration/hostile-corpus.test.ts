import { monitorEventLoopDelay } from 'node:perf_hooks';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attachments, comments, customers, inboundMessages, requests } from '@/db/schema';
import { toSingleLine } from '@/lib/email/unsafe-characters';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';
import { CHANNEL_ADDRESS, type Expectation, HOSTILE_CORPUS, type HostileMail, MAX_MESSAGE_BYTES } from '../fixtures/hostile/corpus';
import { connectOAuthChannel } from '../support/channels';
import { buildEmail } from '../support/emails';
import { addFigures } from '../support/hardening-figures';
import { seedProject } from '../support/fixtures';
import { setupIntegration } from '../support/integration-context';
import { testDatabaseKind } from '../support/test-database';

/**
 * Every hostile message goes the whole way a customer's mail goes: delivered into the
 * channel's Maildir, fetched over IMAP, stored, parsed (in a worker thread when large) and
 * filed. A normal message follows each one and must still become a request: the poll
 * survived the hostile one and was not left stuck behind it.
 */

const context = setupIntegration();

const MB = 1024 * 1024;
/**
 * How far RSS may rise above its level before the first message, sampled after each one and
 * read without global.gc, so garbage V8 has not collected yet counts. What it must catch is
 * a message that makes memory explode, as a 28 MB mail once cost another parser 2.5 GB.
 * PostgreSQL runs in its own process (measured: 165–310 MB with postgres.js 3, up to 445 MB
 * with 4.2, whose uncollected garbage counts here; issue 18 asks for a forced-GC measure of the
 * parser's own peak instead). PGlite runs in this one, keeps
 * its WebAssembly heap once grown (~200 MB for the 25 MB row) and encodes bytea parameters
 * with about 35 times their size in short-lived garbage (measured: ~650 MB).
 */
const MAX_RSS_GROWTH_BYTES = (testDatabaseKind() === 'pglite' ? 1024 : 600) * MB;
/**
 * The longest the event loop may be held while the corpus is filed. Parsing runs in worker
 * threads; what remains is copying and storing the bytes, 2.3 s for the 25 MB message on
 * PostgreSQL. PGlite runs its queries in this thread, synchronously: 4.5 s for a 5 MB message,
 * and some 30 s for the 25 MB one while its stock bytea encoder builds a string per byte.
 */
const MAX_EVENT_LOOP_DELAY_MS = testDatabaseKind() === 'pglite' ? 10_000 : 5_000;
/** Per message; PGlite's stock bytea encoder needs up to a minute to store the 25 MB one. */
const MESSAGE_TIMEOUT_MS = 120_000;

/** Patterns no sanitized HTML may contain: script elements, event handlers, script URLs. */
const UNSAFE_HTML = [/<script/i, /\son\w+=/i, /javascript:/i];
/** What a file name must not contain to be safe on every disk and in every file list. */
const UNSAFE_FILENAME = /[/\\<>:"|?*\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]|^[.\s]|[.\s]$/;
/** Control characters other than tab and line feed: nothing a person wrote. */
const CONTROL_IN_TEXT = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

const isRequest = (status: string, outcome: string) => status === 'processed' && outcome.startsWith('Request created');
const OUTCOMES: Record<Expectation, (status: string, outcome: string) => boolean> = {
  request: isRequest,
  comment: (status, outcome) => status === 'processed' && outcome.startsWith('Comment added'),
  failed: (status) => status === 'failed',
  rejected: (status) => status === 'rejected',
  ignored: (status) => status === 'ignored',
  'request-or-failed': (status, outcome) => isRequest(status, outcome) || status === 'failed',
  'request-or-rejected': (status, outcome) => isRequest(status, outcome) || status === 'rejected',
};

/**
 * IMAP cannot carry NUL (Dovecot sends 0x80 instead); POP3 passes the bytes as they are. The
 * messages with raw NUL bytes therefore also go through POP3 channels, one each, so that a
 * message that jams its mailbox cannot take the others down with it.
 */
const THROUGH_POP3 = new Set(['from-raw-nul', 'from-raw-nul-in-name', 'subject-raw-nul', 'nul-bytes-in-body', 'charset-utf-16-declared-utf-8']);

interface Channel {
  mailboxId: string;
  address: string;
  /** Email log entries already looked at. */
  seen: Set<string>;
}

let imapChannel: Channel;
let baselineRss = 0;
let peakRss = 0;
/** Whether each message tried met its expectation: the figures of the run. */
const results = new Map<string, boolean>();
const loopDelay = monitorEventLoopDelay({ resolution: 20 });

/** A project of its own (a project has one channel) and its channel mailbox at `address`. */
async function connectChannel(projectKey: string, address: string, protocol: 'imap' | 'pop3'): Promise<Channel> {
  const { project } = await seedProject(context.database.db, context.admin, projectKey);
  await context.harness.addUser(address, `secret-${address}`);
  const { mailbox } = await connectOAuthChannel(context.harness, context.database, context.admin, project.id, { email: address, protocol });
  return { mailboxId: mailbox.id, address, seen: new Set() };
}

function sampleRss(): number {
  const rss = process.memoryUsage().rss;
  peakRss = Math.max(peakRss, rss);
  return rss;
}

/** Email log entries the channel has not shown yet; not their raw bytes, which would only add garbage to the memory measured. */
async function newLogEntries(channel: Channel) {
  const entries = await context.database.db
    .select({
      id: inboundMessages.id,
      messageId: inboundMessages.messageId,
      status: inboundMessages.status,
      outcome: inboundMessages.outcome,
      lastError: inboundMessages.lastError,
      requestId: inboundMessages.requestId,
      size: inboundMessages.size,
      downloaded: sql<boolean>`${inboundMessages.raw} is not null`,
    })
    .from(inboundMessages)
    .where(eq(inboundMessages.mailboxId, channel.mailboxId));
  const fresh = entries.filter((entry) => !channel.seen.has(entry.id));
  for (const entry of fresh) channel.seen.add(entry.id);
  return fresh;
}
type LogEntry = Awaited<ReturnType<typeof newLogEntries>>[number];

interface Filed {
  /** The summary, then the HTML the request page shows, or else the text. */
  shown: string;
  author: string | null;
  files: string[];
}

async function filedComment(entry: LogEntry): Promise<Filed> {
  const { db } = context.database;
  const [comment] = await db.select().from(comments).where(eq(comments.inboundMessageId, entry.id));
  if (!comment) return { shown: '', author: null, files: [] };
  const [author] = comment.authorCustomerId
    ? await db.select({ email: customers.email }).from(customers).where(eq(customers.id, comment.authorCustomerId))
    : [];
  const files = await db.select({ filename: attachments.filename }).from(attachments).where(eq(attachments.commentId, comment.id));
  return { shown: `${comment.body}\n${comment.bodyHtml || comment.fullBody}`, author: author?.email ?? null, files: files.map((file) => file.filename) };
}

async function filedRequest(entry: LogEntry): Promise<Filed> {
  const { db } = context.database;
  const [request] = await db.select().from(requests).where(eq(requests.id, entry.requestId!));
  if (!request) return { shown: '', author: null, files: [] };
  const [reporter] = request.reporterId ? await db.select({ email: customers.email }).from(customers).where(eq(customers.id, request.reporterId)) : [];
  const files = await db
    .select({ filename: attachments.filename })
    .from(attachments)
    .where(and(eq(attachments.requestId, request.id), isNull(attachments.commentId)));
  return {
    shown: `${request.summary}\n${request.descriptionHtml || request.description}`,
    author: reporter?.email ?? null,
    files: files.map((file) => file.filename),
  };
}

/** What is wrong with how `mail` was filed, in words; empty when it met its expectation. */
async function problemsWith(mail: HostileMail, entry: LogEntry | undefined): Promise<string[]> {
  if (!entry) return ['not stored: no Email log entry'];
  const outcome = entry.outcome ?? '';
  if (!OUTCOMES[mail.expect](entry.status, outcome)) return [`expected ${mail.expect}, got ${entry.status}: ${outcome || entry.lastError}`];
  const problems: string[] = [];
  if (entry.size > MAX_MESSAGE_BYTES && entry.downloaded) problems.push('downloaded although over the size limit');
  if (entry.status !== 'processed') return problems;
  const filed = OUTCOMES.comment(entry.status, outcome) ? await filedComment(entry) : await filedRequest(entry);
  if (mail.spoofs && filed.author === mail.spoofs) problems.push(`filed under the spoofed sender ${mail.spoofs}`);
  if (mail.shows && !filed.shown.includes(mail.shows)) problems.push(`does not show "${mail.shows}"`);
  if (CONTROL_IN_TEXT.test(filed.shown)) problems.push('control characters in the stored text');
  const files = [...filed.files].sort();
  if (mail.attachments && JSON.stringify(files) !== JSON.stringify([...mail.attachments].sort())) {
    problems.push(`attachments ${JSON.stringify(files)}, expected ${JSON.stringify(mail.attachments)}`);
  }
  return problems;
}

/** A poll that throws reads as one problem, in one readable line. */
async function poll(channel: Channel): Promise<string[]> {
  try {
    const polled = await pollMailbox({
      database: context.database,
      mailboxId: channel.mailboxId,
      workerId: 'hostile-corpus',
      pollIntervalSeconds: 60,
      maxMessageBytes: MAX_MESSAGE_BYTES,
    });
    return 'error' in polled ? [`the poll failed: ${polled.error}`] : [];
  } catch (error) {
    return [`the poll threw: ${toSingleLine(String(error)).slice(0, 300)}`];
  }
}

/**
 * Delivers `mail` and a normal message after it, polls once, and says what went wrong: the
 * hostile message must end as expected, and the normal one must still become a request.
 */
async function fileThrough(channel: Channel, mail: HostileMail, canaryId: string): Promise<string[]> {
  await context.harness.deliver(channel.address, mail.build());
  await context.harness.deliver(channel.address, buildEmail({ from: canaryId, to: channel.address, subject: `After ${mail.name}`, messageId: canaryId }));
  const problems = await poll(channel);
  sampleRss();
  const entries = await newLogEntries(channel);
  const canary = entries.find((entry) => entry.messageId === canaryId);
  problems.push(
    ...(await problemsWith(
      mail,
      entries.find((entry) => entry !== canary),
    )),
  );
  if (!canary || !isRequest(canary.status, canary.outcome ?? '')) {
    problems.push(`the normal message after it was not filed: ${canary ? `${canary.status}: ${canary.outcome}` : 'not stored'}`);
  }
  return problems;
}

describe('the hostile mail corpus', () => {
  beforeAll(async () => {
    imapChannel = await connectChannel('HC', CHANNEL_ADDRESS, 'imap');
    baselineRss = sampleRss();
    loopDelay.enable();
  });

  afterAll(() => {
    addFigures('corpus', { tried: results.size, passed: [...results.values()].filter(Boolean).length });
  });

  for (const [index, mail] of HOSTILE_CORPUS.entries()) {
    it(
      `${mail.name}: ${mail.expect}`,
      async () => {
        results.set(mail.name, false);
        const problems = await fileThrough(imapChannel, mail, `canary-${index}@canaries.test`);
        results.set(mail.name, problems.length === 0);
        expect(problems).toEqual([]);
      },
      MESSAGE_TIMEOUT_MS,
    );
  }

  for (const [index, mail] of HOSTILE_CORPUS.filter((entry) => THROUGH_POP3.has(entry.name)).entries()) {
    it(`over POP3, ${mail.name}: ${mail.expect}`, async () => {
      const name = `pop3:${mail.name}`;
      results.set(name, false);
      const channel = await connectChannel(`HCP${String.fromCharCode(65 + index)}`, `pop3-${index}@hostile-mail.test`, 'pop3');
      const problems = await fileThrough(channel, mail, `pop3-canary-${index}@canaries.test`);
      results.set(name, problems.length === 0);
      expect(problems).toEqual([]);
    });
  }

  it(`keeps the rise of RSS under ${MAX_RSS_GROWTH_BYTES / MB} MB`, () => {
    sampleRss();
    expect(peakRss - baselineRss).toBeLessThan(MAX_RSS_GROWTH_BYTES);
  });

  it(`never holds the event loop for ${MAX_EVENT_LOOP_DELAY_MS / 1000} s or more`, () => {
    loopDelay.disable();
    expect(loopDelay.max / 1e6, 'longest event-loop delay in ms').toBeLessThan(MAX_EVENT_LOOP_DELAY_MS);
  });

  // The database is this file's own: everything in it came from the corpus.
  it('stores every attachment under a safe name', async () => {
    const files = await context.database.db.select({ filename: attachments.filename }).from(attachments);
    expect(files.length).toBeGreaterThan(0);
    expect(files.map((file) => file.filename).filter((name) => !name || Array.from(name).length > 200 || UNSAFE_FILENAME.test(name))).toEqual([]);
  });

  it('stores only sanitized HTML', async () => {
    const { db } = context.database;
    const descriptions = await db.select({ html: requests.descriptionHtml }).from(requests);
    const replies = await db.select({ html: comments.bodyHtml }).from(comments);
    const html = [...descriptions, ...replies].flatMap((row) => (row.html ? [row.html] : []));
    expect(html.length).toBeGreaterThan(0);
    const unsafe = html.flatMap((markup) =>
      UNSAFE_HTML.filter((pattern) => pattern.test(markup)).map((pattern) => {
        const at = markup.search(pattern);
        return `${pattern}: …${markup.slice(Math.max(0, at - 60), at + 60)}…`;
      }),
    );
    expect(unsafe).toEqual([]);
  });
});
