import type { Database } from '@/db/client';
import type { Actor } from '@/lib/auth/actor';
import { ValidationError } from '@/lib/errors';
import { startAuthorization } from '@/lib/oauth/start-authorization';
import { loadMailboxForAdmin } from './mailbox-access';
import { expectedSigner } from './mailbox-connection';

/**
 * One-click re-authorization of an OAuth mailbox: the same integration and address, so the
 * mailbox keeps its settings and its place in the mailbox; only the tokens (and, for a shared
 * mailbox, possibly the member who signs in) are replaced.
 */
export async function reauthorizeMailbox({ db, actor, mailboxId, returnTo }: { db: Database; actor: Actor | null; mailboxId: string; returnTo: string }) {
  const mailbox = await loadMailboxForAdmin(db, actor, mailboxId);
  if (mailbox.authMethod !== 'oauth' || !mailbox.integrationId) {
    throw new ValidationError({}, 'This mailbox signs in with a password; there is nothing to authorize.');
  }
  // Any member may re-authorize a shared mailbox, often because the last one left: the provider asks who.
  const loginHint = expectedSigner(mailbox) ?? undefined;
  return startAuthorization({ db, actor, integrationId: mailbox.integrationId, mailboxId: mailbox.id, loginHint, returnTo });
}
