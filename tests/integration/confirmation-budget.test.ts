import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { outboundMessages, requests } from '@/db/schema';
import { getEnv } from '@/lib/env';
import { pollMailbox } from '@/lib/ingest/poll-mailbox';
import { connectOAuthChannel } from '../support/channels';
import { buildEmail } from '../support/emails';
import { seedProject } from '../support/fixtures';
import { setupIntegration } from '../support/integration-context';

const context = setupIntegration();
const CHANNEL = 'budget-desk@acme.test';

describe('confirmations per channel', () => {
  it('stops confirming once the channel sent its hourly share, whoever the senders are, and still files every request', async () => {
    const { harness, database, admin } = context;
    await harness.addUsers([{ email: CHANNEL, password: `${CHANNEL}-secret` }]);
    const { project } = await seedProject(database.db, admin, 'BUD');
    const { mailbox } = await connectOAuthChannel(harness, database, admin, project.id, { email: CHANNEL });
    const poll = () => pollMailbox({ database, mailboxId: mailbox.id, workerId: 'budget-test', pollIntervalSeconds: 60, maxMessageBytes: 25 * 1024 * 1024 });
    const confirmations = async () =>
      (
        await database.db
          .select()
          .from(outboundMessages)
          .where(and(eq(outboundMessages.mailboxId, mailbox.id), eq(outboundMessages.kind, 'confirmation')))
      ).length;

    await harness.deliver(CHANNEL, buildEmail({ from: 'first@example.test', to: CHANNEL, subject: 'First' }));
    await poll();
    expect(await confirmations()).toBe(1);
    // The rest of the hour's budget, as if other senders had written in.
    const [first] = await database.db.select().from(outboundMessages).where(eq(outboundMessages.mailboxId, mailbox.id));
    const limit = getEnv().INTAKE_CONFIRMATIONS_PER_HOUR;
    await database.db.insert(outboundMessages).values(
      Array.from({ length: limit - 2 }, (_, index) => ({
        requestId: first!.requestId,
        mailboxId: mailbox.id,
        kind: 'confirmation' as const,
        messageId: `budget-${index}@acme.test`,
        recipients: [`sender-${index}@example.test`],
        subject: 'x',
        status: 'sent' as const,
      })),
    );

    for (const sender of ['a', 'b', 'c'])
      await harness.deliver(CHANNEL, buildEmail({ from: `${sender}@rotating.example`, to: CHANNEL, subject: `From ${sender}` }));
    await poll();
    expect(await database.db.select().from(requests).where(eq(requests.projectId, project.id))).toHaveLength(4);
    expect(await confirmations()).toBe(limit);
  });
});
