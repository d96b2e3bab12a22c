import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from '@/db/client';
import { mailboxes } from '@/db/schema';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { NotFoundError } from '@/lib/errors';
import { grantedAccessToken, rowGrant } from '@/lib/oauth/granted-access-token';
import { setMailboxStatus } from './mailbox-status';

/** A usable access token for an OAuth mailbox; a refused grant turns the mailbox *Needs re-authorization*. */
export async function getMailboxAccessToken({
  database,
  mailboxId,
  forceRefresh = false,
}: {
  database: DatabaseHandle;
  mailboxId: string;
  forceRefresh?: boolean;
}): Promise<string> {
  const grant = rowGrant(
    database,
    {
      key: `mailbox-token:${mailboxId}`,
      table: mailboxes,
      row: eq(mailboxes.id, mailboxId),
      purposes: { accessToken: SECRET_PURPOSE.mailboxAccessToken, refreshToken: SECRET_PURPOSE.mailboxRefreshToken },
      needsReauthorization: (failure) => setMailboxStatus(database.db, mailboxId, 'needs_reauthorization', failure.message),
    },
    () => new NotFoundError('The mailbox'),
  );
  return grantedAccessToken(database, grant, forceRefresh);
}
