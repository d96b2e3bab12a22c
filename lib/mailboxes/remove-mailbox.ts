import { eq } from 'drizzle-orm';
import type { Database } from '@/db/client';
import { mailboxes } from '@/db/schema';
import { recordAudit } from '@/lib/audit/record-audit';
import type { Actor } from '@/lib/auth/actor';
import { loadMailboxForAdmin } from './mailbox-access';

/** Removes a channel or mail server and its stored credentials; the requests it created stay. */
export async function removeMailbox({ db, actor, mailboxId }: { db: Database; actor: Actor | null; mailboxId: string }) {
  const mailbox = await loadMailboxForAdmin(db, actor, mailboxId);
  await db.transaction(async (tx) => {
    await tx.delete(mailboxes).where(eq(mailboxes.id, mailbox.id));
    await recordAudit(tx, {
      actor,
      action: 'mailbox.remove',
      targetType: mailbox.kind === 'channel' ? 'email_channel' : 'mail_server',
      targetId: mailbox.id,
      details: { emailAddress: mailbox.emailAddress },
    });
  });
}
