import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { and, eq, inArray } from 'drizzle-orm';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { PgliteDatabase } from 'drizzle-orm/pglite';
import { migrate as migratePostgres } from 'drizzle-orm/postgres-js/migrator';
import type { PostgresJsDatabase } from 'drizzle-orm/postgres-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '@/db/client';
import { countCommittedMigrations, readMigrationStatus } from '@/db/migrate';
import { attachments, inboundMessages, mailboxCursors, mailboxes, outboundMessages, requests } from '@/db/schema';
import { writeArchive } from '@/lib/backup/backup-archive';
import { BACKUP_ENTRY } from '@/lib/backup/backup-manifest';
import { storedSecretsPath, writeStoredSecrets } from '@/lib/env';
import type { Harness } from '../harness';
import { allHandled, bulkAttachment, bulkEmail, expectEachMessageFiledOnce, seedBulkMailbox, waitUntil, waitUntilAllHandled } from '../support/bulk-ingestion';
import { useHarness } from '../support/harness';
import { WorkerDatabase, type WorkerProcess } from '../support/worker-processes';

// A worker ingests a backlog (each message with an attachment, each request confirmed by email
// through the harness's SMTP server) while `npm run backup` copies its database; the copy is
// restored into a new data folder or database and a worker started on it. Everything in the
// backup must be there as it was, the rest filed after, each message once, and no email the
// backup records as sent may go out again.

// Confirmations go out at a few a second (two send jobs at a time per worker), which bounds the backlog.
const MESSAGES = 600;
/** In the mailbox from the start; the rest arrive a few at a time while the backup is taken and after. */
const BACKLOG = 200;
const ARRIVING_AT_ONCE = 5;
const ARRIVING_EVERY_MS = 100;
/** The backup is asked for once this many requests are filed. */
const BACKUP_AFTER_REQUESTS = 60;

let harness: Harness;
beforeAll(async () => {
  harness = await useHarness();
});

const scratch = mkdtempSync(path.join(tmpdir(), 'intake-backup-test-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface CliRun {
  code: number | null;
  output: string;
  seconds: number;
}

/** `npm run backup` / `npm run restore` as an operator runs them: a process of their own. */
function runCli(command: 'backup' | 'restore', args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.resolve(`lib/cli/${command}.ts`), ...args], {
      cwd: process.cwd(),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.once('exit', (code) => resolve({ code, output, seconds: (performance.now() - started) / 1000 }));
  });
}

function expectNoSecretsIn(output: string): void {
  for (const secret of [process.env.INTAKE_SECRET_KEY!, process.env.AUTH_SECRET!]) expect(output).not.toContain(secret);
}

/** What a database holds of the bulk channel, read while no worker runs on it. */
async function channelState(database: DatabaseHandle, mailboxId: string) {
  const { db } = database;
  const [mailbox] = await db.select().from(mailboxes).where(eq(mailboxes.id, mailboxId));
  const [cursor] = await db.select().from(mailboxCursors).where(eq(mailboxCursors.mailboxId, mailboxId));
  const filed = await db
    .select({ id: requests.id, number: requests.number, summary: requests.summary })
    .from(requests)
    .where(eq(requests.projectId, mailbox!.projectId));
  const stored = await db.select({ uid: inboundMessages.uid }).from(inboundMessages).where(eq(inboundMessages.mailboxId, mailboxId));
  const files = await db
    .select({ id: attachments.id, requestId: attachments.requestId, filename: attachments.filename, content: attachments.content })
    .from(attachments)
    .where(
      filed.length > 0
        ? inArray(
            attachments.requestId,
            filed.map((request) => request.id),
          )
        : undefined,
    );
  const confirmations = await db
    .select({ recipients: outboundMessages.recipients, status: outboundMessages.status, messageId: outboundMessages.messageId })
    .from(outboundMessages)
    .where(and(eq(outboundMessages.mailboxId, mailboxId), eq(outboundMessages.kind, 'confirmation')));
  const sentTo = new Set(confirmations.filter((row) => row.status === 'sent').flatMap((row) => row.recipients));
  return { mailbox: mailbox!, cursor, filed, stored, files, confirmations, sentTo };
}

describe('npm run backup during ingestion, npm run restore into a new database', () => {
  it('keeps every request, attachment and channel; reading and sending resume without filing or sending anything again', { timeout: 900_000 }, async () => {
    const source = await WorkerDatabase.create();
    const target = await WorkerDatabase.empty();
    const workers: WorkerProcess[] = [];
    const workerEnv = { INTAKE_CONFIRMATIONS_PER_HOUR: String(MESSAGES * 2) };
    try {
      const channel = { key: 'BKR', address: 'backup-restore@backup.test', attachments: true };
      const mailbox = await seedBulkMailbox(harness, source.handle, {
        ...channel,
        count: MESSAGES,
        delivered: BACKLOG,
        protocol: 'imap',
        afterProcessing: 'mark_read',
        confirmations: true,
      });
      await harness.clearSentMessages();
      await source.handOver();

      const first = source.startWorker(harness.caFile, workerEnv);
      workers.push(first);
      const started = Date.now();
      await waitUntil(
        'the worker has filed the first requests',
        async () => {
          const progress = await source.progress(first);
          return progress !== null && progress.requests >= BACKUP_AFTER_REQUESTS;
        },
        120_000,
        () => first.output,
      );

      // New mail keeps arriving (IMAP IDLE fetches it) while the backup is taken, and after it.
      const arriving = (async () => {
        for (let index = BACKLOG; index < MESSAGES; index += ARRIVING_AT_ONCE) {
          const indexes = Array.from({ length: Math.min(ARRIVING_AT_ONCE, MESSAGES - index) }, (_, offset) => index + offset);
          await harness.deliverMany(
            mailbox.address,
            indexes.map((each) => bulkEmail(channel, each)),
          );
          await new Promise((resolve) => setTimeout(resolve, ARRIVING_EVERY_MS));
        }
      })();
      const file = path.join(scratch, 'during-ingestion.tar');
      const backup = await runCli('backup', [file], source.processEnv(harness.caFile));
      expect(backup.code, backup.output).toBe(0);
      expectNoSecretsIn(backup.output);
      if (source.kind === 'pglite') expect(backup.output).toContain(`Intake is running (pid ${first.pid}): asking it to write the backup`);
      expect(backup.output).toMatch(/Backup written: .*during-ingestion\.tar/);
      expect(backup.output).toContain('Keep INTAKE_SECRET_KEY');
      // The worker went on ingesting throughout and after: the copy was taken from a live database.
      const atBackup = (await source.progress(first))!;
      await arriving;
      await waitUntil(
        'the worker files more after the backup',
        async () => {
          const progress = await source.progress(first);
          return progress !== null && progress.requests > atBackup.requests + 20 && progress;
        },
        120_000,
        () => first.output,
      );
      await first.stop();
      expect(first.ending.code).toBe(0);
      const sourceEnd = await channelState(await source.takeBack(), mailbox.mailboxId);

      const restore = await runCli('restore', [file], target.processEnv(harness.caFile));
      expect(restore.code, restore.output).toBe(0);
      expectNoSecretsIn(restore.output);
      expect(restore.output).toMatch(/All \d+ stored tokens and passwords can be decrypted with the configured key\./);
      // A second restore over it is refused.
      const again = await runCli('restore', [file], target.processEnv(harness.caFile));
      expect(again.code).toBe(1);
      expect(again.output).toContain('already holds data');

      // The backup as restored: a consistent moment of the ingestion, in the middle of it.
      const restoredHandle = await target.takeBack();
      expect(await readMigrationStatus(restoredHandle)).toEqual({ applied: countCommittedMigrations(), expected: countCommittedMigrations() });
      const inBackup = await channelState(restoredHandle, mailbox.mailboxId);
      expect(inBackup.filed.length).toBeGreaterThanOrEqual(BACKUP_AFTER_REQUESTS);
      expect(inBackup.filed.length).toBeLessThan(sourceEnd.filed.length);
      expect(inBackup.cursor!.lastUid).toBe(Math.max(...inBackup.stored.map((row) => row.uid!)));
      expect(inBackup.cursor!.uidValidity).toBe(sourceEnd.cursor!.uidValidity);
      // The channel as it was: settings, credentials (sealed as they were), SMTP.
      // (The tokens are proven by the restored worker reading and sending with them.)
      const settings = ({
        id,
        projectId,
        emailAddress,
        protocol,
        host,
        port,
        security,
        folder,
        afterProcessing,
        authMethod,
        integrationId,
        authorizedEmail,
        smtpHost,
        smtpPort,
        smtpSecurity,
      }: typeof inBackup.mailbox) => ({
        id,
        projectId,
        emailAddress,
        protocol,
        host,
        port,
        security,
        folder,
        afterProcessing,
        authMethod,
        integrationId,
        authorizedEmail,
        smtpHost,
        smtpPort,
        smtpSecurity,
      });
      expect(settings(inBackup.mailbox)).toEqual(settings(sourceEnd.mailbox));
      expect(inBackup.mailbox.refreshToken).toBeTruthy();
      // Every request of the backup with its attachment, as the source has it.
      const sourceRequests = new Map(sourceEnd.filed.map((request) => [request.id, request]));
      for (const request of inBackup.filed) expect(sourceRequests.get(request.id)).toEqual(request);
      expect(inBackup.files).toHaveLength(inBackup.filed.length);
      await target.handOver();

      const second = target.startWorker(harness.caFile, workerEnv);
      workers.push(second);
      await waitUntilAllHandled(
        target,
        [second],
        harness,
        mailbox,
        (messages) => messages.length === MESSAGES && messages.every((message) => message.flags.includes('\\Seen')),
        300_000,
      );
      await waitUntil(
        'every confirmation is sent',
        async () => {
          const progress = await target.progress(second);
          return allHandled(progress, MESSAGES) && progress!.outboundQueued === 0;
        },
        400_000,
        () => `Progress: ${JSON.stringify(second.progress)}.\n${second.output}`,
      );
      // Nothing more may happen on the next poll.
      await new Promise((resolve) => setTimeout(resolve, 6_000));
      await second.stop();
      expect(second.ending.code).toBe(0);
      const totalSeconds = (Date.now() - started) / 1000;

      const restored = await target.takeBack();
      await expectEachMessageFiledOnce(restored, mailbox);
      const end = await channelState(restored, mailbox.mailboxId);
      expect(end.mailbox.status).toBe('active');
      expect(end.cursor!.lastUid).toBe(MESSAGES);
      // What the backup had was not filed again: same ids and numbers.
      const endRequests = new Map(end.filed.map((request) => [request.id, request]));
      for (const request of inBackup.filed) expect(endRequests.get(request.id)).toEqual(request);
      // Each request has its own attachment, byte for byte.
      expect(end.files).toHaveLength(MESSAGES);
      const indexOf = new Map(end.filed.map((request) => [request.id, Number(request.summary.split(' ').at(-1))]));
      for (const attachment of end.files) {
        const expected = bulkAttachment(indexOf.get(attachment.requestId)!);
        expect(attachment.filename).toBe(expected.filename);
        expect(attachment.content.equals(expected.content)).toBe(true);
      }

      // Sends, as the SMTP server saw them, per customer.
      expect(end.confirmations.filter((row) => row.status !== 'sent')).toEqual([]);
      const sends = new Map<string, number>();
      for (const message of await harness.sentMessages({ from: mailbox.address })) {
        for (const recipient of message.to) sends.set(recipient, (sends.get(recipient) ?? 0) + 1);
      }
      expect(sends.size).toBe(MESSAGES);
      // Nothing the backup records as sent went out again.
      for (const recipient of inBackup.sentTo) expect(sends.get(recipient), recipient).toBe(1);
      // Twice only what the first worker sent after the backup was taken (README's trade-off).
      const sentAfterBackup = [...sourceEnd.sentTo].filter((recipient) => !inBackup.sentTo.has(recipient)).sort();
      const twice = [...sends]
        .filter(([, count]) => count > 1)
        .map(([recipient]) => recipient)
        .sort();
      expect(twice).toEqual(sentAfterBackup);
      expect(Math.max(...sends.values())).toBe(2);
      console.log(
        `Backup/restore on ${source.kind}: backup ${backup.seconds.toFixed(1)} s with ${inBackup.filed.length} of ${MESSAGES} requests in it, ` +
          `${sourceEnd.filed.length} filed and ${sourceEnd.sentTo.size} confirmed by the first worker, restore ${restore.seconds.toFixed(1)} s; ` +
          `confirmations sent twice (sent after the backup): ${twice.length}; whole test ${totalSeconds.toFixed(0)} s`,
      );
    } finally {
      for (const worker of workers) await worker.stop();
      await source.drop();
      await target.drop();
    }
  });

  it('restores a backup made by an older Intake (one migration behind) and brings it up to date, with its secrets file', { timeout: 120_000 }, async () => {
    const source = await WorkerDatabase.empty();
    const target = await WorkerDatabase.empty();
    const migrations = path.join(scratch, 'older-migrations');
    try {
      // The migrations of the version before: the same files, the journal one entry shorter.
      cpSync(path.resolve('db/migrations'), migrations, { recursive: true });
      const journalFile = path.join(migrations, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: unknown[] };
      journal.entries.pop();
      writeFileSync(journalFile, JSON.stringify(journal));
      const older = await source.takeBack();
      if (older.kind === 'pglite') await migratePglite(older.db as unknown as PgliteDatabase, { migrationsFolder: migrations });
      else await migratePostgres(older.db as unknown as PostgresJsDatabase, { migrationsFolder: migrations });
      expect((await readMigrationStatus(older)).applied).toBe(countCommittedMigrations() - 1);
      await source.handOver();

      // Embedded mode without keys in the environment: Intake keeps them in the data folder.
      const env = (database: WorkerDatabase) => ({ ...database.processEnv(harness.caFile), INTAKE_SECRET_KEY: '', AUTH_SECRET: '' });
      const secrets = {
        AUTH_SECRET: 'older-auth-secret-0123456789abcdefghijkl',
        INTAKE_SECRET_KEY: 'older-secret-key-0123456789abcdefghijklm',
        INTAKE_PREVIOUS_SECRET_KEYS: [],
      };
      const sourceDir = source.locationEnv.INTAKE_DATA_DIR;
      if (sourceDir) writeStoredSecrets(sourceDir, secrets);

      const file = path.join(scratch, 'older.tar');
      const backup = await runCli('backup', [file], source.kind === 'pglite' ? env(source) : source.processEnv(harness.caFile));
      expect(backup.code, backup.output).toBe(0);
      expect(backup.output).toContain(`${countCommittedMigrations() - 1} migrations`);
      if (sourceDir) expect(backup.output).toContain("The backup holds the data folder's secrets.json");

      const restore = await runCli('restore', [file], target.kind === 'pglite' ? env(target) : target.processEnv(harness.caFile));
      expect(restore.code, restore.output).toBe(0);
      expect(restore.output).toContain(`Database migrations: ${countCommittedMigrations()} of ${countCommittedMigrations()} applied (1 since the backup).`);
      const targetDir = target.locationEnv.INTAKE_DATA_DIR;
      if (targetDir) expect(JSON.parse(readFileSync(storedSecretsPath(targetDir), 'utf8'))).toEqual(secrets);
      expect(await readMigrationStatus(await target.takeBack())).toEqual({ applied: countCommittedMigrations(), expected: countCommittedMigrations() });
    } finally {
      await source.drop();
      await target.drop();
    }
  });

  it('refuses what is not a backup, and a backup of the other kind of database', async () => {
    const target = await WorkerDatabase.empty();
    try {
      const junk = path.join(scratch, 'junk.tar');
      writeFileSync(junk, 'not a tar file at all');
      const refused = await runCli('restore', [junk], target.processEnv(harness.caFile));
      expect(refused.code).toBe(1);
      expect(refused.output).toContain(`${junk} is not an Intake backup: it is not a tar archive.`);
      const otherKind = path.join(scratch, 'other-kind.tar');
      const manifest = {
        format: 'intake-backup',
        formatVersion: 1,
        intakeVersion: '0.1.0',
        createdAt: new Date().toISOString(),
        database: target.kind === 'pglite' ? 'postgres' : 'pglite',
        migrations: 1,
        takenBy: 'backup-command',
        secretsFile: false,
        secretKeyIds: [],
      };
      await writeArchive(otherKind, [{ name: BACKUP_ENTRY.manifest, content: Buffer.from(JSON.stringify(manifest)) }]);
      const wrong = await runCli('restore', [otherKind], target.processEnv(harness.caFile));
      expect(wrong.code).toBe(1);
      expect(wrong.output).toContain(target.kind === 'pglite' ? 'The backup is of a PostgreSQL database.' : 'The backup is of the embedded database');
    } finally {
      await target.drop();
    }
  });
});
