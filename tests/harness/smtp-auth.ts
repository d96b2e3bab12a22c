import type { SMTPServerError, SMTPServerOptions } from 'smtp-server';

import type { Accounts } from './accounts';
import type { IntrospectionSettings } from './dovecot-config';
import { httpsRequest } from './http';
import type { SmtpAuthMethod } from './smtp-capture';

/** What a successful AUTH leaves in the SMTP session (`session.user`). */
export interface SmtpUser {
  email: string;
  method: SmtpAuthMethod;
}

export function smtpError(responseCode: number, message: string): SMTPServerError {
  return Object.assign(new Error(message), { responseCode });
}

/**
 * The same check as Dovecot's oauth2 passdb (see renderOAuth2Config): the provider must call
 * the token active and carrying the mail scope. Returns the account it was issued to.
 */
async function tokenOwner(settings: IntrospectionSettings, ca: string, token: string): Promise<string | undefined> {
  const client = `${encodeURIComponent(settings.clientId)}:${encodeURIComponent(settings.clientSecret)}`;
  const response = await httpsRequest(settings.url, ca, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(client).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ token }).toString(),
  });
  if (response.status !== 200) throw new Error(`introspection answered ${response.status}`);
  const answer = JSON.parse(response.body) as { active?: unknown; email?: unknown; scope?: unknown };
  const valid = answer.active === true && typeof answer.scope === 'string' && answer.scope.split(' ').includes(settings.scope);
  return valid && typeof answer.email === 'string' ? answer.email.toLowerCase() : undefined;
}

/**
 * smtp-server's onAuth: passwords are the test users' own; access tokens go to the provider's
 * introspection endpoint at every login, so a revoked or expired token fails at once.
 */
export function smtpAuthenticator(accounts: Accounts, introspection: IntrospectionSettings, ca: string): NonNullable<SMTPServerOptions['onAuth']> {
  return (auth, _session, callback) => {
    const email = (auth.username ?? '').toLowerCase();
    const method = auth.method;
    // The server offers only PLAIN, LOGIN and XOAUTH2 (its authMethods).
    const signIn = () => callback(null, { user: { email, method } as SmtpUser });
    if (method === 'PLAIN' || method === 'LOGIN') {
      // A shared mailbox has no password: nobody signs in as it.
      const known = accounts.passwordOf(email);
      if (known !== undefined && known === auth.password) signIn();
      // An answer without a user makes smtp-server reply 535.
      else callback(null, {});
      return;
    }
    tokenOwner(introspection, ca, auth.accessToken ?? '').then(
      (owner) => {
        if (owner === email) signIn();
        // Exchange's answer to another account's valid token, e.g. a member's for user=<shared mailbox>:
        // submission never uses Full Access.
        else if (owner !== undefined) callback(smtpError(535, '5.7.3 Authentication unsuccessful'));
        // smtp-server sends this as the base64 JSON challenge; the client answers with an
        // empty line and gets the 535, as at Gmail.
        else callback(null, { data: { status: '401', schemes: 'bearer', scope: introspection.scope } });
      },
      // The provider is down: a temporary failure (RFC 4954), so a client retries instead of giving up.
      () => callback(smtpError(454, 'Temporary authentication failure')),
    );
  };
}
