import { expect, test } from '@playwright/test';
import { buildEmail } from '../support/emails';
import { addHarnessIntegration, addToProject, createProject, createUser, harness, newSignedInPage, signInAtProvider } from './helpers';

const LEAD = { name: 'Lena Lead', email: 'lena@intake.test', password: 'lena password 44' };
const MAILBOX = 'help@acme.test';

test.describe.configure({ mode: 'serial' });

test('a project admin connects help@acme.test with Save and authorize; a foreign account is refused', async ({ browser }) => {
  const stack = await harness();
  const admin = await newSignedInPage(browser, 'admin');
  const integration = await addHarnessIntegration(admin, 'Acme mail', 'acme.test');
  await createProject(admin, 'CH', 'Channel desk');
  await createUser(admin, LEAD);
  await addToProject(admin, 'CH', LEAD.email, 'admin');

  const page = await newSignedInPage(browser, LEAD);
  await page.goto('/projects/CH/settings');
  await page.getByRole('link', { name: 'Email requests' }).click();
  const fill = async () => {
    await page.getByLabel('Email address').fill(MAILBOX);
    await page.getByLabel('Authentication method').selectOption({ label: `OAuth 2.0: ${integration}` });
    await page.getByLabel('Protocol').selectOption('imap');
    await page.getByLabel('Host', { exact: true }).fill(stack.host);
    await page.getByLabel('Port', { exact: true }).fill(String(stack.imap.tlsPort));
  };

  // Someone signs in at the provider with an account of another domain: nothing is stored.
  await fill();
  await page.getByRole('button', { name: 'Save and authorize' }).click();
  await signInAtProvider(page, 'sales@other.test', 'sales-secret');
  await expect(page.getByTestId('authorization-outcome')).toContainText('You signed in as sales@other.test');
  await expect(page.getByTestId('authorization-outcome')).toContainText('acme.test');
  await expect(page.getByTestId('mailbox-status')).toHaveCount(0);

  // The person signs out at the provider and tries again with the support mailbox.
  await page.context().clearCookies({ domain: new URL(stack.provider.issuer).hostname });
  await fill();
  await page.getByRole('button', { name: 'Save and authorize' }).click();
  await signInAtProvider(page, MAILBOX, 'help-secret');
  await expect(page.getByTestId('authorization-outcome')).toHaveText(
    `Your email channel is enabled — customers can now create requests by emailing ${MAILBOX}`,
  );
  await expect(page.getByTestId('mailbox-status')).toHaveText('Active');

  // Reading works, but replies would go to the host's port 465, where nothing listens: Test connection says so.
  await page.getByRole('button', { name: 'Test connection' }).first().click();
  // Reading works: a warning (amber), not an error.
  const sendingWarning = page.getByRole('alert').filter({ hasText: 'Intake can read this mailbox, but replies cannot be sent through it.' });
  await expect(sendingWarning).toBeVisible();
  await expect(sendingWarning).toHaveAttribute('data-status', 'warning');
  await expect(page.getByText('✓ Message count')).toBeVisible();
  await expect(page.getByText(`✗ Outgoing mail (SMTP): The SMTP server ${stack.host}:465 cannot be reached`)).toBeVisible();
  await expect(page.getByTestId('mailbox-status')).toHaveText('Active');

  await page.getByText('Outgoing mail (SMTP)', { exact: true }).click();
  await page.getByLabel('SMTP host').fill(stack.host);
  await page.getByLabel('SMTP port').fill(String(stack.smtp.starttlsPort));
  // The token goes only to the server it was authorized for: another SMTP server needs signing in again.
  await expect(page.getByTestId('reauthorization-needed')).toBeVisible();
  await page.getByRole('button', { name: 'Save and authorize' }).click();
  await signInAtProvider(page, MAILBOX, 'help-secret');
  await expect(page.getByTestId('authorization-outcome')).toHaveText(
    `Your email channel is enabled — customers can now create requests by emailing ${MAILBOX}`,
  );
  await page.getByRole('button', { name: 'Test connection' }).first().click();
  await expect(page.getByRole('status').filter({ hasText: 'Connection works.' })).toBeVisible();
  await expect(page.getByText(`✓ Outgoing mail (SMTP): Signed in to ${stack.host}:${stack.smtp.starttlsPort} as ${MAILBOX}`)).toBeVisible();

  // The pace of replies is the channel's own: a bad number is refused in place, a good one kept.
  const sendingLimit = page.getByLabel('Sending limit (emails a minute)');
  await sendingLimit.fill('0');
  await page.getByRole('button', { name: 'Update', exact: true }).click();
  await expect(page.getByText('Send at least 1 email a minute.')).toBeVisible();
  await expect(sendingLimit).toHaveValue('0');
  await sendingLimit.fill('20');
  await page.getByRole('button', { name: 'Update', exact: true }).click();
  await expect(page.getByText('Send at least 1 email a minute.')).toHaveCount(0);
  await page.reload();
  await expect(page.getByLabel('Sending limit (emails a minute)')).toHaveValue('20');
  await expect(page.getByTestId('mailbox-status')).toHaveText('Active');
});

test('an email to the channel becomes a request in the queue and shows in the Email log', async ({ browser }) => {
  const stack = await harness();
  const page = await newSignedInPage(browser, LEAD);
  await page.goto('/projects/CH');
  await stack.deliver(MAILBOX, buildEmail({ to: MAILBOX, subject: 'Cannot log in to the portal', body: 'My password reset link does not arrive.' }));
  // IDLE wakes a poll within about a second; the queue refreshes itself.
  await expect(page.getByRole('link', { name: 'Cannot log in to the portal' })).toBeVisible({ timeout: 30_000 });
  await page.getByRole('link', { name: 'Cannot log in to the portal' }).click();
  await expect(page.getByText('My password reset link does not arrive.')).toBeVisible();

  await page.goto('/projects/CH/settings/email/log');
  const row = page.getByTestId('email-log-row').filter({ hasText: 'Cannot log in to the portal' });
  await expect(row).toContainText('Request created CH-');
  await expect(row.getByRole('link', { name: 'Raw' })).toBeVisible();
});

test('after the grant is revoked the channel needs re-authorization, and Authorize restores it with its settings', async ({ browser }) => {
  const stack = await harness();
  const page = await newSignedInPage(browser, LEAD);
  await stack.revokeGrants(MAILBOX);
  await page.goto('/projects/CH/settings/email');
  await page.getByRole('button', { name: 'Test connection' }).first().click();
  await expect(page.getByTestId('mailbox-status')).toHaveText('Needs re-authorization');
  await expect(page.getByTestId('mailbox-alert')).toContainText('needs re-authorization');

  await page.getByRole('button', { name: 'Authorize' }).click();
  await signInAtProvider(page, MAILBOX, 'help-secret');
  await expect(page.getByTestId('authorization-outcome')).toContainText('Your email channel is enabled');
  await expect(page.getByTestId('mailbox-status')).toHaveText('Active');
  await expect(page.getByLabel('Port', { exact: true })).toHaveValue(String(stack.imap.tlsPort));
  await expect(page.getByLabel('Email address')).toHaveValue(MAILBOX);
  await expect(page.getByTestId('mailbox-alert')).toHaveCount(0);
});
