/** SASL XOAUTH2 for POP3 (RFC 5034 framing; Google's and Microsoft's XOAUTH2 message). */
import { asAuthenticationFailure, Pop3Error } from './pop3-errors';
import type { Pop3Reply, Pop3Session } from './pop3-session';

/** RFC 5034 §4: an AUTH command with an initial response may not exceed 255 octets, CRLF included. */
const MAX_AUTH_LINE = 255;

export function xoauth2InitialResponse(username: string, accessToken: string): string {
  return Buffer.from(`user=${username}\x01auth=Bearer ${accessToken}\x01\x01`).toString('base64');
}

/** The error a server sends as a challenge (base64 JSON such as `{"status":"401","schemes":"bearer"}`), on one line. */
export function describeXoauth2Challenge(challenge: string): string {
  const decoded = Buffer.from(challenge, 'base64').toString('utf8');
  try {
    return `XOAUTH2 ${JSON.stringify(JSON.parse(decoded))}`;
  } catch {
    return `XOAUTH2 ${decoded
      .replace(/[\x00-\x1f\x7f]+/g, ' ')
      .trim()
      .slice(0, 200)}`;
  }
}

/** Sends what carries the token: a -ERR answer to it is a failed login. */
function sendCredentials(session: Pop3Session, line: string[], detail?: string): Promise<Pop3Reply> {
  return session.exchange(...line).catch((error: unknown) => {
    throw asAuthenticationFailure(error, detail);
  });
}

/**
 * AUTH XOAUTH2 with the initial response on the command line, or in two steps (`AUTH XOAUTH2`,
 * `+ `, response) when that line would be too long or `twoStep` asks for it.
 */
export async function authenticateXoauth2(session: Pop3Session, username: string, accessToken: string, options: { twoStep?: boolean } = {}): Promise<void> {
  const response = xoauth2InitialResponse(username, accessToken);
  const oneStep = !options.twoStep && `AUTH XOAUTH2 ${response}\r\n`.length <= MAX_AUTH_LINE;
  let reply: Pop3Reply;
  if (oneStep) {
    reply = await sendCredentials(session, ['AUTH', 'XOAUTH2', response]);
  } else {
    const ready = await session.exchange('AUTH', 'XOAUTH2');
    if (ready.status !== '+') throw new Pop3Error('The POP3 server did not ask for the XOAUTH2 response.');
    reply = await sendCredentials(session, [response]);
  }
  if (reply.status === '+OK') return;

  // A challenge after the response is the failure report. The client must answer with an empty
  // line; the server then sends -ERR with its reason. (Dovecot answers a `*` cancel with
  // "-ERR Authentication aborted by client." instead, losing the [AUTH] reason.)
  const detail = describeXoauth2Challenge(reply.text);
  await sendCredentials(session, [''], detail);
  throw new Pop3Error(`The POP3 server reported an XOAUTH2 failure: ${detail}`, { responseText: detail, authenticationFailed: true });
}
