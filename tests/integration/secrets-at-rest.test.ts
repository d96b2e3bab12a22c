import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { type DatabaseHandle, openDatabase } from '@/db/client';
import { migrateDatabase } from '@/db/migrate';
import { mailboxes } from '@/db/schema';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { saveMailbox } from '@/lib/mailboxes/save-mailbox';
import { saveIntegration } from '@/lib/oauth/save-integration';
import { connectOAuthChannel } from '../support/channels';
import { seedAdmin, seedProject } from '../support/fixtures';
import { useHarness } from '../support/harness';
import { createTestDatabase } from '../support/test-database';

function filesUnder(folder: string): string[] {
  return readdirSync(folder).flatMap((entry) => {
    const full = path.join(folder, entry);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/**
 * Stores every kind of secret Intake keeps, then searches the database's dump (pg_dump, or
 * PGlite's files on disk) for each value in clear text.
 */
async function storeSecrets(database: DatabaseHandle) {
  const harness = await useHarness();
  const { db } = database;
  const admin = await seedAdmin(db);
  const { project } = await seedProject(db, admin, 'SEC');
  const other = await seedProject(db, admin, 'PWD');
  const clientSecret = `client-secret-${crypto.randomUUID()}`;
  await saveIntegration({
    db,
    actor: admin,
    mode: 'create',
    input: {
      provider: 'google',
      name: 'Google',
      clientId: 'dump-client',
      clientSecret,
      scopes: 'https://mail.google.com/ openid email',
      mailboxDomains: 'acme.test',
    },
  });
  const mailboxPassword = `mailbox-password-${crypto.randomUUID()}`;
  await harness.addUsers([
    { email: 'dump-oauth@acme.test', password: 'dump-oauth-secret' },
    { email: 'dump-password@other.test', password: mailboxPassword },
  ]);
  const { mailbox } = await connectOAuthChannel(harness, database, admin, project.id, { email: 'dump-oauth@acme.test' });
  const saved = await saveMailbox({
    database,
    actor: admin,
    scope: { kind: 'channel', projectId: other.project.id },
    input: {
      emailAddress: 'dump-password@other.test',
      authentication: 'password',
      password: mailboxPassword,
      protocol: 'imap',
      host: harness.host,
      port: harness.imap.tlsPort,
      security: 'tls',
      afterProcessing: 'mark_read',
    },
    returnTo: '/x',
  });
  expect(saved.outcome).toBe('saved');
  const [stored] = await db.select().from(mailboxes).where(eq(mailboxes.id, mailbox.id));
  const box = getSecretBox();
  return {
    clientSecret,
    mailboxPassword,
    accessToken: box.open(stored!.accessToken!, SECRET_PURPOSE.mailboxAccessToken),
    refreshToken: box.open(stored!.refreshToken!, SECRET_PURPOSE.mailboxRefreshToken),
  };
}

describe('secrets at rest', () => {
  it('leaves no client secret, token or password in clear text in a database dump', async () => {
    let dump: Buffer;
    let secrets: Record<string, string>;
    if (process.env.TEST_DATABASE_URL) {
      const testDb = await createTestDatabase();
      try {
        secrets = await storeSecrets(testDb.handle);
        dump = execFileSync('pg_dump', ['--no-owner', testDb.url!], { maxBuffer: 256 * 1024 * 1024 });
      } finally {
        await testDb.drop();
      }
    } else {
      const folder = mkdtempSync(path.join(tmpdir(), 'intake-dump-'));
      try {
        const handle = await openDatabase({ kind: 'pglite', dataDir: folder });
        await migrateDatabase(handle);
        secrets = await storeSecrets(handle);
        await handle.close();
        dump = Buffer.concat(filesUnder(folder).map((file) => readFileSync(file)));
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    }
    expect(dump.length).toBeGreaterThan(10_000);
    // The dump does hold the rows: the non-secret address is there in clear text.
    expect(dump.includes('dump-oauth@acme.test')).toBe(true);
    for (const [name, value] of Object.entries(secrets)) {
      expect(dump.includes(value), `${name} found in clear text`).toBe(false);
    }
  });
});
