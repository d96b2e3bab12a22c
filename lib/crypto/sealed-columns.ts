import { mailboxes, oauthAuthorizations, oauthIntegrations, outgoingMailServer } from '@/db/schema';

/** What each sealed secret is for; bound into its ciphertext so values cannot be swapped between fields. */
export const SECRET_PURPOSE = {
  integrationClientSecret: 'integration.client_secret',
  mailboxPassword: 'mailbox.password',
  mailboxAccessToken: 'mailbox.access_token',
  mailboxRefreshToken: 'mailbox.refresh_token',
  codeVerifier: 'oauth.code_verifier',
  outgoingMailPassword: 'outgoing_mail.password',
  outgoingMailAccessToken: 'outgoing_mail.access_token',
  outgoingMailRefreshToken: 'outgoing_mail.refresh_token',
} as const;

/** Every column that holds a sealed secret; key rotation walks this list. */
export const SEALED_COLUMNS = [
  { table: oauthIntegrations, column: 'clientSecret', purpose: SECRET_PURPOSE.integrationClientSecret },
  { table: mailboxes, column: 'password', purpose: SECRET_PURPOSE.mailboxPassword },
  { table: mailboxes, column: 'accessToken', purpose: SECRET_PURPOSE.mailboxAccessToken },
  { table: mailboxes, column: 'refreshToken', purpose: SECRET_PURPOSE.mailboxRefreshToken },
  { table: oauthAuthorizations, column: 'codeVerifier', purpose: SECRET_PURPOSE.codeVerifier },
  { table: outgoingMailServer, column: 'password', purpose: SECRET_PURPOSE.outgoingMailPassword },
  { table: outgoingMailServer, column: 'accessToken', purpose: SECRET_PURPOSE.outgoingMailAccessToken },
  { table: outgoingMailServer, column: 'refreshToken', purpose: SECRET_PURPOSE.outgoingMailRefreshToken },
] as const;
