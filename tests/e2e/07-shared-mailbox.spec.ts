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
