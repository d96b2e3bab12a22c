// `npm run harness`: the test stack on its own, for trying Intake by hand.
//   --app-url <url>        where Intake runs (default $APP_URL or http://localhost:3000): the
//                          client accepts every Redirect URL Intake shows under it
//   --print-ca             only print the test CA's path (for NODE_EXTRA_CA_CERTS in scripts)
import { parseArgs } from 'node:util';

import { ensureTestCa, startHarness } from './index';
import { ensureDovecotInstalled } from './system';

const { values: args } = parseArgs({
  options: {
    'print-ca': { type: 'boolean', default: false },
    'app-url': { type: 'string', default: process.env.APP_URL ?? 'http://localhost:3000' },
  },
});

if (args['print-ca']) {
  console.log(await ensureTestCa());
  process.exit(0);
}

// Handled from the start: the default action would kill us mid-startup without cleaning up.
let stopRequested = false;
let stop = async () => {
  stopRequested = true;
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());

await ensureDovecotInstalled().catch((error: Error) => {
  console.error(`npm run harness cannot run: ${error.message}`);
  process.exit(1);
});
const started = Date.now();
const harness = await startHarness();
stop = async () => {
  stop = async () => undefined;
  await harness.stop();
  process.exit(0);
};
if (stopRequested) await stop();

// Intake's Redirect URL ends in the integration's id, unknown until someone adds the integration.
const callbackPrefix = `${args['app-url'].replace(/\/+$/, '')}/oauth/callback/`;
const client = await harness.createClient({ redirectUris: [callbackPrefix], redirectUriPrefix: callbackPrefix });
const { provider } = harness;
// Ready to try the two topologies where the account that signs in is not the support address.
const demo = { shared: 'helpdesk@acme.test', member: 'help@acme.test', alias: 'sales@acme.test', aliasMailbox: 'support@acme.test' };
await harness.addSharedMailbox(demo.shared);
await harness.grantMailboxAccess(demo.member, demo.shared, { fullAccess: true, sendAs: true });
await harness.addAlias(demo.alias, demo.aliasMailbox, { sendAs: true });

const lines = [
  `Test stack ready in ${Date.now() - started} ms (temp folder ${harness.info.dir})`,
  '',
  `CA certificate          ${harness.caFile}`,
  '',
  `IMAP  STARTTLS          ${harness.host}:${harness.imap.starttlsPort}`,
  `IMAPS                   ${harness.host}:${harness.imap.tlsPort}`,
  `POP3  STLS              ${harness.host}:${harness.pop3.stlsPort}`,
  `POP3S                   ${harness.host}:${harness.pop3.tlsPort}`,
  '  mechanisms: PLAIN LOGIN XOAUTH2 OAUTHBEARER',
  `IMAP  STARTTLS          ${harness.host}:${harness.xoauth2Only.imap.starttlsPort}  (XOAUTH2 only, like Microsoft)`,
  `IMAPS                   ${harness.host}:${harness.xoauth2Only.imap.tlsPort}  (XOAUTH2 only)`,
  `POP3  STLS              ${harness.host}:${harness.xoauth2Only.pop3.stlsPort}  (XOAUTH2 only)`,
  `POP3S                   ${harness.host}:${harness.xoauth2Only.pop3.tlsPort}  (XOAUTH2 only)`,
  `SMTPS (submission)      ${harness.host}:${harness.smtp.tlsPort}  (implicit TLS, like smtp.gmail.com:465)`,
  `SMTP  STARTTLS          ${harness.host}:${harness.smtp.starttlsPort}  (STARTTLS required, like smtp.office365.com:587)`,
  '  mechanisms: PLAIN LOGIN XOAUTH2; MAIL FROM must be the signed-in user or an address it may send as;',
  '  mail to test users lands in their INBOX, to anyone else it is only logged',
  '',
  `OpenID issuer           ${provider.issuer}`,
  `  discovery             ${provider.discoveryUrl}`,
  `  authorization         ${provider.authorizationEndpoint}`,
  `  token                 ${provider.tokenEndpoint}`,
  `  userinfo              ${provider.userinfoEndpoint}`,
  `  introspection         ${provider.introspectionEndpoint}`,
  `  revocation            ${provider.revocationEndpoint}`,
  `  jwks                  ${provider.jwksUri}`,
  `  scopes                ${provider.defaultScope}`,
  '',
  'OAuth client (authorization code + PKCE S256, prompt=consent for a refresh token):',
  `  client_id             ${client.clientId}`,
  `  client_secret         ${client.clientSecret}`,
  `  redirect_uri          any Redirect URL under ${callbackPrefix}`,
  `  auth method           ${client.tokenEndpointAuthMethod}, refresh tokens rotate`,
  '',
  'Accounts (mailbox and identity provider, same password):',
  ...(await harness.listUsers()).map((user) => `  ${user.email.padEnd(24)}${user.password}`),
  `  ${demo.shared.padEnd(24)}Microsoft 365 shared mailbox (cannot sign in); ${demo.member} has Full Access and Send As`,
  `  ${demo.alias.padEnd(24)}alias delivered into ${demo.aliasMailbox}, which may send as it`,
  '',
  `Dovecot logs            ${harness.logFiles.main}`,
  `                        ${harness.logFiles.xoauth2Only}`,
  '',
  `Start Intake with:      NODE_EXTRA_CA_CERTS=${harness.caFile} MAIL_ALLOWED_PRIVATE_HOSTS=127.0.0.1,${harness.host} npm start`,
  'Press Ctrl-C to stop and clean up.',
];
console.log(lines.join('\n'));
