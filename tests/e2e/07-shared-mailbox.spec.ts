import { expect, test } from '@playwright/test';
import { buildEmail } from '../support/emails';
import { addHarnessIntegration, createProject, harness, newSignedInPage, signInAtProvider } from './helpers';

const SHARED = 'helpdesk@m365.test';
const MEMBER = { email: 'maria@m365.test', password: 'maria-m365-secret' };
const OUTSIDER = { email: 'oscar@m365.test', password: 'oscar-m365-secret' };
const CUSTOMER = 'shared-buyer@example.test';

test('a member connects a Microsoft 365 shared mailbox: customer mail becomes a request, the reply comes from the shared address', async ({ browser }) => {
  const stack = await harness();
  await stack.addUsers([MEMBER, OUTSIDER, { email: CUSTOMER, password: 'shared-buyer-secret' }]);
  await stack.addSharedMailbox(SHARED);
  await stack.grantMailboxAccess(MEMBER.email, SHARED, { fullAccess: true, sendAs: true });

  const admin = await newSignedInPage(browser, 'admin');
  const integration = await addHarnessIntegration(admin, 'Microsoft 365 (test)', 'm365.test');
  await createProject(admin, 'SHM', 'Shared mailbox desk');
  await admin.goto('/projects/SHM/settings/email');
  await admin.getByLabel('Email address').fill(SHARED);
  await admin.getByLabel('Microsoft 365 shared mailbox').check();
  await admin.getByLabel('Authentication method').selectOption({ label: `OAuth 2.0: ${integration}` });
  await admin.getByLabel('Host', { exact: true }).fill(stack.host);
  await admin.getByLabel('Port', { exact: true }).fill(String(stack.xoauth2Only.imap.tlsPort));
  await admin.getByText('Outgoing mail (SMTP)', { exact: true }).click();
  await admin.getByLabel('SMTP host').fill(stack.host);
  await admin.getByLabel('SMTP port').fill(String(stack.smtp.starttlsPort));

  // Someone who is not a member signs in: the mail server refuses them, and nothing is saved.
  await admin.getByRole('button', { name: 'Save and authorize' }).click();
  await signInAtProvider(admin, OUTSIDER.email, OUTSIDER.password);
  await expect(admin.getByTestId('authorization-outcome')).toContainText(`the mail server did not let ${OUTSIDER.email} open the shared mailbox ${SHARED}`);
  await expect(admin.getByTestId('authorization-outcome')).toContainText(`give ${OUTSIDER.email} Full Access`);
  await expect(admin.getByTestId('mailbox-status')).toHaveCount(0);
  // What was typed is still there to try again once the grant is fixed.
  await expect(admin.getByLabel('Email address')).toHaveValue(SHARED);
  await expect(admin.getByLabel('Microsoft 365 shared mailbox')).toBeChecked();
  await expect(admin.getByLabel('SMTP port')).toHaveValue(String(stack.smtp.starttlsPort));

  await admin.getByRole('button', { name: 'Save and authorize' }).click();
  await signInAtProvider(admin, MEMBER.email, MEMBER.password);
  await expect(admin.getByTestId('authorization-outcome')).toHaveText(
    `Your email channel is enabled — customers can now create requests by emailing ${SHARED}`,
  );
  await expect(admin.getByTestId('mailbox-reading')).toContainText(`${SHARED} (Microsoft 365 shared mailbox)`);
  await expect(admin.getByTestId('mailbox-authorization')).toContainText(`authorized by ${MEMBER.email} for ${SHARED} on`);

  await stack.deliver(SHARED, buildEmail({ from: `Bea Buyer <${CUSTOMER}>`, to: SHARED, subject: 'Order 4711 never arrived' }));
  await admin.goto('/projects/SHM');
  await expect(admin.getByRole('link', { name: 'Order 4711 never arrived' })).toBeVisible({ timeout: 40_000 });
  await admin.getByRole('link', { name: 'Order 4711 never arrived' }).click();
  await admin.getByLabel('Message').fill('Sorry, Bea — a new parcel leaves today.');
  await admin.getByRole('button', { name: 'Reply to customer' }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'Reply saved' })).toBeVisible();

  await expect
    .poll(async () => (await stack.sentMessages({ to: CUSTOMER })).filter((message) => message.raw.toString().includes('a new parcel leaves today')).length, {
      timeout: 40_000,
    })
    .toBe(1);
  const reply = (await stack.sentMessages({ to: CUSTOMER })).find((message) => message.raw.toString().includes('a new parcel leaves today'))!;
  // Signed in as the member, sent as the shared mailbox (Send As).
  expect(reply).toMatchObject({ from: SHARED, authUser: MEMBER.email });
  expect(reply.raw.toString()).toMatch(new RegExp(`^From: .*<${SHARED.replace('.', '\\.')}>`, 'm'));
});

test('an alias delivered into a colleague’s mailbox files only the mail addressed to it, and replies come from the alias', async ({ browser }) => {
  const stack = await harness();
  const owner = { email: 'gina@gsuite.test', password: 'gina-gsuite-secret' };
  const alias = 'returns@gsuite.test';
  const buyer = 'alias-buyer@example.test';
  await stack.addUsers([owner, { email: buyer, password: 'alias-buyer-secret' }]);
  await stack.addAlias(alias, owner.email, { sendAs: true });

  const admin = await newSignedInPage(browser, 'admin');
  const integration = await addHarnessIntegration(admin, 'Google Workspace (test)', 'gsuite.test');
  await createProject(admin, 'RET', 'Returns');
  await admin.goto('/projects/RET/settings/email');
  await admin.getByLabel('Email address').fill(alias);
  await admin.getByLabel('An alias or group address').check();
  await admin.getByLabel('Mailbox', { exact: true }).fill(owner.email);
  await admin.getByLabel('File only mail addressed to the alias').check();
  await admin.getByLabel('Authentication method').selectOption({ label: `OAuth 2.0: ${integration}` });
  await admin.getByLabel('Host', { exact: true }).fill(stack.host);
  await admin.getByLabel('Port', { exact: true }).fill(String(stack.imap.tlsPort));
  await admin.getByText('Outgoing mail (SMTP)', { exact: true }).click();
  await admin.getByLabel('SMTP host').fill(stack.host);
  await admin.getByLabel('SMTP port').fill(String(stack.smtp.starttlsPort));
  await admin.getByRole('button', { name: 'Save and authorize' }).click();
  await signInAtProvider(admin, owner.email, owner.password);
  await expect(admin.getByTestId('authorization-outcome')).toHaveText(`Your email channel is enabled — customers can now create requests by emailing ${alias}`);
  await expect(admin.getByTestId('mailbox-reading')).toContainText(
    `${alias}, an alias delivered into ${owner.email}; only mail addressed to the alias is filed`,
  );

  await stack.deliver(owner.email, buildEmail({ from: `Gina's friend <${buyer}>`, to: owner.email, subject: 'Dinner at eight?' }));
  await stack.deliver(alias, buildEmail({ from: `Rob Returns <${buyer}>`, to: alias, subject: 'Return label for order 88' }));
  await admin.goto('/projects/RET');
  await expect(admin.getByRole('link', { name: 'Return label for order 88' })).toBeVisible({ timeout: 40_000 });
  await expect(admin.getByRole('link', { name: 'Dinner at eight?' })).toHaveCount(0);
  await admin.getByRole('link', { name: 'Return label for order 88' }).click();
  await admin.getByLabel('Message').fill('Here is your label, Rob.');
  await admin.getByRole('button', { name: 'Reply to customer' }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'Reply saved' })).toBeVisible();
  await expect
    .poll(async () => (await stack.sentMessages({ to: buyer })).filter((message) => message.raw.toString().includes('Here is your label')).length, {
      timeout: 40_000,
    })
    .toBe(1);
  const reply = (await stack.sentMessages({ to: buyer })).find((message) => message.raw.toString().includes('Here is your label'))!;
  expect(reply).toMatchObject({ from: alias, authUser: owner.email });
  // The colleague's own mail was left as it was: unread, in their inbox.
  const dinner = (await stack.listMessages(owner.email)).find((message) => message.raw.toString().includes('Dinner at eight?'))!;
  expect(dinner.flags).not.toContain('\\Seen');
});
