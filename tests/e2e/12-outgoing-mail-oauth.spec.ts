import { expect, test } from '@playwright/test';
import { ADMIN, addHarnessIntegration, harness, newSignedInPage, signInAtProvider } from './helpers';

const SENDER = { email: 'notices@outgoing-oauth-e2e.test', password: 'outgoing oauth sender 1' };

test('a system admin switches outgoing mail to OAuth 2.0, authorizes the account, and the test email goes out through it', async ({ browser }) => {
  const stack = await harness();
  await stack.addUsers([SENDER]);
  const admin = await newSignedInPage(browser, 'admin');
  const integration = await addHarnessIntegration(admin, 'Outgoing mail sign-in', 'outgoing-oauth-e2e.test');

  await admin.goto('/admin/system/outgoing-mail');
  await admin.getByLabel('Authentication method').selectOption({ label: `OAuth 2.0: ${integration}` });
  // No password is asked for, and saving goes through the provider.
  await expect(admin.getByLabel('Password')).toHaveCount(0);
  await admin.getByLabel('SMTP host').fill(stack.host);
  await admin.getByLabel('Port').fill(String(stack.smtp.starttlsPort));
  await admin.getByLabel('Security').selectOption('starttls');
  await admin.getByLabel('Username').fill('someone@elsewhere.test');
  await admin.getByLabel('From address').fill(SENDER.email);
  await admin.getByRole('button', { name: 'Save and authorize' }).click();
  await expect(admin.getByText('may authorize only accounts at outgoing-oauth-e2e.test')).toBeVisible();
  await expect(admin.getByLabel('SMTP host')).toHaveValue(stack.host);

  await admin.getByLabel('Username').fill(SENDER.email);
  await admin.getByRole('button', { name: 'Save and authorize' }).click();
  await signInAtProvider(admin, SENDER.email, SENDER.password);
  await expect(admin.getByTestId('authorization-outcome')).toContainText(
    `Outgoing mail server saved: Intake signs in to ${stack.host} as ${SENDER.email} with OAuth 2.0.`,
  );
  await expect(admin.getByTestId('outgoing-mail-authorization')).toContainText(`Signs in to ${stack.host} as ${SENDER.email} with OAuth 2.0 (${integration})`);
  await expect(admin.getByRole('button', { name: 'Update' })).toBeVisible();

  await stack.clearSentMessages();
  await admin.getByRole('button', { name: 'Send test email' }).click();
  await expect(admin.getByRole('status').filter({ hasText: 'Test email sent.' })).toContainText(
    `✓ Sign in: Signed in to ${stack.host}:${stack.smtp.starttlsPort} as ${SENDER.email} with OAuth 2.0 after STARTTLS.`,
  );
  const [sent] = await stack.sentMessages({ to: ADMIN.email });
  expect(sent).toMatchObject({ from: SENDER.email, authUser: SENDER.email });

  // Authorize again in one click: the settings stay as they were.
  await admin.getByRole('button', { name: 'Authorize', exact: true }).click();
  await signInAtProvider(admin, SENDER.email, SENDER.password);
  await expect(admin.getByTestId('authorization-outcome')).toContainText('Outgoing mail server saved');
  await expect(admin.getByLabel('Username')).toHaveValue(SENDER.email);
  await expect(admin.getByLabel('Authentication method')).toHaveValue(/^[0-9a-f-]{36}$/);
});
