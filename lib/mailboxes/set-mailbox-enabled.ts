import type { DatabaseHandle } from '@/db/client';
import { recordAudit } from '@/lib/audit/record-audit';
import type { Actor } from '@/lib/auth/actor';
import { ValidationError } from '@/lib/errors';
import { loadMailboxForAdmin } from './mailbox-access';
import { setMailboxStatus } from './mailbox-status';
import { testMailbox } from './test-mailbox';

/** Disabling stops reading at once; enabling needs a passing connection test first. */
export async function setMailboxEnabled({
  database,
  actor,
  mailboxId,
  enabled,
}: {
  database: DatabaseHandle;
  actor: Actor | null;
  mailboxId: string;
  enabled: boolean;
}) {
  const mailbox = await loadMailboxForAdmin(database.db, actor, mailboxId);
  if (!enabled) {
    await setMailboxStatus(database.db, mailbox.id, 'disabled');
  } else {
    // The test records health only for enabled mailboxes, so leave 'disabled' first.
    await setMailboxStatus(database.db, mailbox.id, 'failing', 'Being enabled: testing the connection.');
    const test = await testMailbox({ database, actor, mailboxId });
    if (!test.ok) {
      const failed = test.steps.find((step) => !step.ok);
      await setMailboxStatus(database.db, mailbox.id, 'disabled');
      throw new ValidationError({}, `The mailbox stays disabled: the connection test failed at “${failed?.step}”: ${failed?.detail}`);
    }
  }
  await recordAudit(database.db, {
    actor,
    action: enabled ? 'mailbox.enable' : 'mailbox.disable',
    targetType: mailbox.kind === 'channel' ? 'email_channel' : 'mail_server',
    targetId: mailbox.id,
    details: { emailAddress: mailbox.emailAddress },
  });
}
