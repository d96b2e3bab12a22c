import { expect, test } from '@playwright/test';
import { ADMIN, harness, newSignedInPage } from './helpers';

const SENDER = 'alerts@outgoing.test';
const PASSWORD = 'alerts-outgoing-secret';

test('a system admin sets up outgoing mail and the test email arrives; until then notifications are off', async ({ browser }) => {
  const stack = await harness();
  await stack.addUsers([{ email: SENDER, password: PASSWORD }]);
  const admin = await newSignedInPage(browser, 'admin');
  await admin.goto('/admin/system');
  await admin.getByRole('link', { name: 'Outgoing mail' }).click();
  await expect(admin.getByTestId('notifications-off')).toContainText('Email notifications are off');

  await admin.getByLabel('SMTP host').fill(stack.host);
  await admin.getByLabel('Port').fill(String(stack.smtp.starttlsPort));
  await admin.getByLabel('Security').selectOption('starttls');
  await admin.getByLabel('Username').fill(SENDER);
  await admin.getByLabel('Password').fill('a wrong password');
  await admin.getByLabel('From address').fill(SENDER);
  await expect(admin.getByLabel('Send the test email to')).toHaveValue(ADMIN.email);
  await admin.getByRole('button', { name: 'Send test email' }).click();
  // Next.js announces each page with a role=alert of its own.
  const refused = admin.getByRole('alert').filter({ hasText: 'The test email could not be sent.' });
  await expect(refused).toContainText('✗ Sign in: The SMTP server');
  await expect(refused).toContainText('refused the login (535)');
  await expect(refused).not.toContainText('a wrong password');

  await admin.getByLabel('Password').fill(PASSWORD);
  await admin.getByRole('button', { name: 'Send test email' }).click();
  await expect(admin.getByRole('status')).toContainText('Test email sent.');
  await expect(admin.getByRole('status')).toContainText(`✓ Send test email: ${stack.host} accepted an email from ${SENDER} to ${ADMIN.email}.`);
  const [sent] = await stack.sentMessages({ to: ADMIN.email });
  expect(sent?.raw.toString('utf8')).toContain('Auto-Submitted: auto-generated');

  await admin.getByLabel('Password').fill(PASSWORD);
  await admin.getByRole('button', { name: 'Save' }).click();
  await expect(admin.getByRole('status')).toContainText('Outgoing mail server saved.');
  await admin.reload();
  await expect(admin.getByTestId('notifications-off')).toHaveCount(0);
  await expect(admin.getByLabel('SMTP host')).toHaveValue(stack.host);
  await expect(admin.getByLabel('Password')).toHaveValue('');
  expect(await admin.content()).not.toContain(PASSWORD);
  // The stored password serves the same server without being typed again.
  await admin.getByRole('button', { name: 'Send test email' }).click();
  await expect(admin.getByRole('status')).toContainText('Test email sent.');
  await expect.poll(async () => (await stack.sentMessages({ to: ADMIN.email })).length).toBe(2);
});
