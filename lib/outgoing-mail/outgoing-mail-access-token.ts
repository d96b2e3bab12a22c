import { eq } from 'drizzle-orm';
import type { DatabaseHandle } from '@/db/client';
import { outgoingMailServer } from '@/db/schema';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { NotFoundError } from '@/lib/errors';
import { log } from '@/lib/log';
import { grantedAccessToken, rowGrant } from '@/lib/oauth/granted-access-token';

/** A usable access token for the outgoing mail server's OAuth 2.0 grant; a refused grant stops system email until someone authorizes again. */
export function getOutgoingMailAccessToken(database: DatabaseHandle, forceRefresh = false): Promise<string> {
  const system = eq(outgoingMailServer.id, 'system');
  const grant = rowGrant(
    database,
    {
      key: 'outgoing-mail-token:system',
      table: outgoingMailServer,
      row: system,
      purposes: { accessToken: SECRET_PURPOSE.outgoingMailAccessToken, refreshToken: SECRET_PURPOSE.outgoingMailRefreshToken },
      async needsReauthorization(failure) {
        await database.db
          .update(outgoingMailServer)
          .set({ status: 'needs_reauthorization', statusMessage: `${failure.problem}.` })
          .where(system);
        log.warn('outgoing_mail.needs_reauthorization', { problem: failure.problem });
      },
    },
    () => new NotFoundError('The outgoing mail server'),
  );
  return grantedAccessToken(database, grant, forceRefresh);
}
