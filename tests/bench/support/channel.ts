import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from '@/db/client';
import { mailboxes, projects } from '@/db/schema';
import type { Actor } from '@/lib/auth/actor';
import { createProject } from '@/lib/projects/create-project';
import type { Harness } from '../../harness';
import { connectOAuthChannel } from '../../support/channels';

export interface BenchChannel {
  mailboxId: string;
  projectId: string;
  address: string;
}

/** A project key (letters only) for the n-th project of a run: PREFIX + base-26 letters. */
export function projectKey(prefix: string, index: number): string {
  let letters = '';
  let rest = index;
  do {
    letters = String.fromCharCode(65 + (rest % 26)) + letters;
    rest = Math.floor(rest / 26);
  } while (rest > 0);
  return `${prefix}${letters.padStart(2, 'A')}`;
}

export interface ChannelSpec {
  key: string;
  /** A harness user whose mailbox the channel reads. */
  address: string;
  protocol: 'imap' | 'pop3';
  afterProcessing: 'mark_read' | 'delete' | 'keep';
}

/**
 * A project with an email channel authorized over OAuth on the XOAUTH2-only server (as with
 * Microsoft), importing everything the mailbox holds. Confirmation emails are off: sending
 * them is another job than ingestion.
 * The channel is left paused (next poll far ahead) so a worker's start-up is not measured:
 * `startPolling` releases it.
 */
export async function seedChannel(harness: Harness, database: DatabaseHandle, admin: Actor, spec: ChannelSpec): Promise<BenchChannel> {
  const project = await createProject({ db: database.db, actor: admin, input: { key: spec.key, name: `${spec.key} desk` } });
  await database.db.update(projects).set({ sendConfirmations: false }).where(eq(projects.id, project.id));
  const { mailbox } = await connectOAuthChannel(harness, database, admin, project.id, {
    email: spec.address,
    protocol: spec.protocol,
    afterProcessing: spec.afterProcessing,
    xoauth2Only: true,
    // The backlog is delivered before the channel is connected: it is the mail the channel imports.
    existingMail: 'all',
  });
  await database.db
    .update(mailboxes)
    .set({ nextPollAt: new Date(Date.now() + 3_600_000) })
    .where(eq(mailboxes.id, mailbox.id));
  return { mailboxId: mailbox.id, projectId: project.id, address: spec.address };
}

/** Makes channels due now; the worker's dispatcher queues their polls within its tick. */
export async function startPolling(database: DatabaseHandle, mailboxIds?: string[]): Promise<void> {
  const due = { nextPollAt: new Date() };
  if (!mailboxIds) await database.db.update(mailboxes).set(due);
  else for (const id of mailboxIds) await database.db.update(mailboxes).set(due).where(eq(mailboxes.id, id));
}

/** Runs `work` over items with at most `parallel` at once, in order of the items. */
export async function mapLimited<T, R>(items: readonly T[], parallel: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(parallel, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(lanes);
  return results;
}
