import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import type { DatabaseHandle } from '@/db/client';
import { mailboxes, oauthIntegrations } from '@/db/schema';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { NotFoundError } from '@/lib/errors';
import { type MailboxTokens, refreshAccessToken } from '@/lib/oauth/complete-authorization';
import { OAuthFailure } from '@/lib/oauth/oauth-failure';
import { setMailboxStatus } from './mailbox-status';

/** Refresh this long before expiry, so a token never dies in the middle of a fetch. */
export const REFRESH_AHEAD_MS = 5 * 60_000;

const refreshesInProcess = new Map<string, Promise<unknown>>();

/** Runs one refresh per mailbox at a time in this process, and across processes via an advisory lock. */
async function serialised<T>(database: DatabaseHandle, mailboxId: string, work: () => Promise<T>): Promise<T> {
  const previous = refreshesInProcess.get(mailboxId) ?? Promise.resolve();
  const lockId = Number.parseInt(createHash('sha256').update(`mailbox-token:${mailboxId}`).digest('hex').slice(0, 12), 16);
  const current = previous.catch(() => {}).then(() => database.withAdvisoryLock(lockId, work));
  refreshesInProcess.set(mailboxId, current);
  try {
    return await current;
  } finally {
    if (refreshesInProcess.get(mailboxId) === current) refreshesInProcess.delete(mailboxId);
  }
}

/**
 * A usable access token for an OAuth mailbox, refreshed ahead of expiry. A rotated refresh
 * token is stored in the same statement as the new access token (the old one is kept when
 * the provider returns none). A refused grant turns the mailbox *Needs re-authorization*.
 */
export async function getMailboxAccessToken({
  database,
  mailboxId,
  forceRefresh = false,
}: {
  database: DatabaseHandle;
  mailboxId: string;
  forceRefresh?: boolean;
}): Promise<string> {
  const box = getSecretBox();
  const read = async () => {
    const [mailbox] = await database.db.select().from(mailboxes).where(eq(mailboxes.id, mailboxId));
    if (!mailbox) throw new NotFoundError('The mailbox');
    return mailbox;
  };
  const usable = (mailbox: Awaited<ReturnType<typeof read>>) =>
    mailbox.accessToken && (!mailbox.accessTokenExpiresAt || mailbox.accessTokenExpiresAt.getTime() - Date.now() > REFRESH_AHEAD_MS);

  const first = await read();
  if (!forceRefresh && usable(first)) return box.open(first.accessToken!, SECRET_PURPOSE.mailboxAccessToken);

  return serialised(database, mailboxId, async () => {
    const mailbox = await read();
    // Another process may have refreshed while this one waited for the lock.
    if (usable(mailbox) && (mailbox.tokenVersion !== first.tokenVersion || !forceRefresh)) {
      return box.open(mailbox.accessToken!, SECRET_PURPOSE.mailboxAccessToken);
    }
    if (!mailbox.refreshToken || !mailbox.integrationId) {
      const failure = new OAuthFailure('needs_reauthorization', 'The mailbox has no refresh token');
      await setMailboxStatus(database.db, mailboxId, 'needs_reauthorization', failure.message);
      throw failure;
    }
    const [integration] = await database.db.select().from(oauthIntegrations).where(eq(oauthIntegrations.id, mailbox.integrationId));
    if (!integration) throw new OAuthFailure('misconfigured', 'The mailbox’s OAuth 2.0 integration no longer exists');
    let tokens: MailboxTokens;
    try {
      tokens = await refreshAccessToken(integration, box.open(mailbox.refreshToken, SECRET_PURPOSE.mailboxRefreshToken));
    } catch (error) {
      const failure = error as OAuthFailure;
      if (failure.kind === 'needs_reauthorization') await setMailboxStatus(database.db, mailboxId, 'needs_reauthorization', failure.message);
      throw failure;
    }
    const [stored] = await database.db
      .update(mailboxes)
      .set({
        accessToken: box.seal(tokens.accessToken, SECRET_PURPOSE.mailboxAccessToken),
        accessTokenExpiresAt: tokens.expiresAt,
        ...(tokens.refreshToken ? { refreshToken: box.seal(tokens.refreshToken, SECRET_PURPOSE.mailboxRefreshToken) } : {}),
        tokenVersion: mailbox.tokenVersion + 1,
      })
      .where(and(eq(mailboxes.id, mailboxId), eq(mailboxes.tokenVersion, mailbox.tokenVersion)))
      .returning({ id: mailboxes.id });
    if (!stored) {
      // Re-authorized while refreshing: the new authorization's tokens win.
      const latest = await read();
      return box.open(latest.accessToken!, SECRET_PURPOSE.mailboxAccessToken);
    }
    return tokens.accessToken;
  });
}
