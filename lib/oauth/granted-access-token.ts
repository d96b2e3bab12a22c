import { createHash } from 'node:crypto';
import { and, eq, type SQL } from 'drizzle-orm';
import type { DatabaseHandle } from '@/db/client';
import { type mailboxes, oauthIntegrations, type outgoingMailServer } from '@/db/schema';
import type { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import { type MailboxTokens, refreshAccessToken } from './complete-authorization';
import { OAuthFailure } from './oauth-failure';

/** Refresh this long before expiry, so a token never dies in the middle of a fetch. */
export const REFRESH_AHEAD_MS = 5 * 60_000;

type SecretPurpose = (typeof SECRET_PURPOSE)[keyof typeof SECRET_PURPOSE];

/** The token columns of whatever holds a grant (a mailbox, the outgoing mail server), tokens sealed. */
export interface StoredGrant {
  accessToken: string | null;
  accessTokenExpiresAt: Date | null;
  refreshToken: string | null;
  integrationId: string | null;
  tokenVersion: number;
}

/** Where one grant lives and how its tokens are read and written back. */
export interface GrantHolder {
  /** Names the grant for the in-process queue and the advisory lock: one refresh at a time. */
  key: string;
  purposes: { accessToken: SecretPurpose; refreshToken: SecretPurpose };
  read(): Promise<StoredGrant>;
  /** Stores refreshed tokens unless the version moved on (re-authorized meanwhile); false then. */
  store(tokens: { accessToken: string; accessTokenExpiresAt: Date | null; refreshToken?: string }, expectedVersion: number): Promise<boolean>;
  /** The provider refused the grant for good: a person has to authorize again. */
  needsReauthorization(failure: OAuthFailure): Promise<void>;
}

/**
 * The grant in one row of a table holding grant columns (oauthGrantColumns): `row` picks it,
 * `key` names it for the refresh lock.
 */
export function rowGrant(
  database: DatabaseHandle,
  { table, row, ...rest }: Pick<GrantHolder, 'key' | 'purposes' | 'needsReauthorization'> & { table: typeof mailboxes | typeof outgoingMailServer; row: SQL },
  notFound: () => Error,
): GrantHolder {
  // Both tables carry the same grant columns; drizzle cannot type a query over either.
  const grantTable = table as typeof mailboxes;
  return {
    ...rest,
    async read() {
      const [grant] = await database.db
        .select({
          accessToken: grantTable.accessToken,
          accessTokenExpiresAt: grantTable.accessTokenExpiresAt,
          refreshToken: grantTable.refreshToken,
          integrationId: grantTable.integrationId,
          tokenVersion: grantTable.tokenVersion,
        })
        .from(grantTable)
        .where(row);
      if (!grant) throw notFound();
      return grant;
    },
    async store(tokens, expectedVersion) {
      const stored = await database.db
        .update(grantTable)
        .set({ ...tokens, tokenVersion: expectedVersion + 1 })
        .where(and(row, eq(grantTable.tokenVersion, expectedVersion)))
        .returning({ version: grantTable.tokenVersion });
      return stored.length > 0;
    },
  };
}

const refreshesInProcess = new Map<string, Promise<unknown>>();

/** Runs one refresh per grant at a time in this process, and across processes via an advisory lock. */
async function serialised<T>(database: DatabaseHandle, key: string, work: () => Promise<T>): Promise<T> {
  const previous = refreshesInProcess.get(key) ?? Promise.resolve();
  const lockId = Number.parseInt(createHash('sha256').update(key).digest('hex').slice(0, 12), 16);
  const current = previous.catch(() => {}).then(() => database.withAdvisoryLock(lockId, work));
  refreshesInProcess.set(key, current);
  try {
    return await current;
  } finally {
    if (refreshesInProcess.get(key) === current) refreshesInProcess.delete(key);
  }
}

/**
 * A usable access token from a stored grant, refreshed ahead of expiry. A rotated refresh token
 * is stored in the same statement as the new access token (the old one is kept when the provider
 * returns none). A refused grant is handed to the holder, which marks it for re-authorization.
 */
export async function grantedAccessToken(database: DatabaseHandle, holder: GrantHolder, forceRefresh = false): Promise<string> {
  const box = getSecretBox();
  const usable = (grant: StoredGrant) =>
    grant.accessToken !== null && (!grant.accessTokenExpiresAt || grant.accessTokenExpiresAt.getTime() - Date.now() > REFRESH_AHEAD_MS);
  const open = (grant: StoredGrant) => box.open(grant.accessToken!, holder.purposes.accessToken);

  const first = await holder.read();
  if (!forceRefresh && usable(first)) return open(first);

  return serialised(database, holder.key, async () => {
    const grant = await holder.read();
    // Another process may have refreshed while this one waited for the lock.
    if (usable(grant) && (grant.tokenVersion !== first.tokenVersion || !forceRefresh)) return open(grant);
    if (!grant.refreshToken || !grant.integrationId) {
      const failure = new OAuthFailure('needs_reauthorization', 'There is no refresh token');
      await holder.needsReauthorization(failure);
      throw failure;
    }
    const [integration] = await database.db.select().from(oauthIntegrations).where(eq(oauthIntegrations.id, grant.integrationId));
    if (!integration) throw new OAuthFailure('misconfigured', 'The OAuth 2.0 integration no longer exists');
    let tokens: MailboxTokens;
    try {
      tokens = await refreshAccessToken(integration, box.open(grant.refreshToken, holder.purposes.refreshToken));
    } catch (error) {
      const failure = error as OAuthFailure;
      if (failure.kind === 'needs_reauthorization') await holder.needsReauthorization(failure);
      throw failure;
    }
    const stored = await holder.store(
      {
        accessToken: box.seal(tokens.accessToken, holder.purposes.accessToken),
        accessTokenExpiresAt: tokens.expiresAt,
        ...(tokens.refreshToken ? { refreshToken: box.seal(tokens.refreshToken, holder.purposes.refreshToken) } : {}),
      },
      grant.tokenVersion,
    );
    // Re-authorized while refreshing: the new authorization's tokens win.
    return stored ? tokens.accessToken : open(await holder.read());
  });
}
