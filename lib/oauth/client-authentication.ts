import * as oauth from 'oauth4webapi';
import { SECRET_PURPOSE } from '@/lib/crypto/sealed-columns';
import { getSecretBox } from '@/lib/crypto/secret-box';
import type { IntegrationRow } from './authorization-server';

/** Microsoft documents client_secret_post; RFC 6749 servers (Google, most others) accept Basic. */
export function clientAuthenticationOf(integration: Pick<IntegrationRow, 'provider' | 'clientSecret'>): oauth.ClientAuth {
  const secret = getSecretBox().open(integration.clientSecret, SECRET_PURPOSE.integrationClientSecret);
  return integration.provider === 'microsoft' ? oauth.ClientSecretPost(secret) : oauth.ClientSecretBasic(secret);
}
