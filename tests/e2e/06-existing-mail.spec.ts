import { expect, test } from '@playwright/test';
import { buildEmail } from '../support/emails';
import { addHarnessIntegration, createProject, harness, newSignedInPage, signInAtProvider } from './helpers';

const MAILBOX = 'desk@archive.test';
const PASSWORD = 'desk-archive-secret';

test('connecting a mailbox with years of mail imports only its unread mail, without a confirmation to anyone', async ({ browser }) => {
  const stack = await harness();
  await stack.addUsers([{ email: MAILBOX, password: PASSWORD }]);
  const received = new Date('2024-03-01T09:00:00Z');
  for (let index = 1; index <= 12; index += 1) {
    const raw = buildEmail({
      from: `Old Sender ${index} <old${index}@archive-customers.test>`,
      to: MAILBOX,
      subject: `Archived question ${index}`,
      messageId: `archived-${index}@archive.test`,
    });
    await stack.deliver(MAILBOX, raw, { receivedAt: received, flags: index <= 8 ? ['\\Seen'] : [] });
  }

  const admin = await newSignedInPage(browser, 'admin');
  const integration = await addHarnessIntegration(admin, 'Archive mail', 'archive.test');
  await createProject(admin, 'EX', 'Existing mail desk');
  await admin.goto('/projects/EX/settings/email');
  await admin.getByLabel('Email address').fill(MAILBOX);
  await admin.getByLabel('Authentication method').selectOption({ label: `OAuth 2.0: ${integration}` });
  await admin.getByLabel('Host', { exact: true }).fill(stack.host);
  await admin.getByLabel('Port', { exact: true }).fill(String(stack.imap.tlsPort));
  await admin.getByLabel('After processing').selectOption({ label: 'Keep as it is' });
  // Nothing old is imported unless the admin says so.
  await expect(admin.getByLabel('Only mail that arrives from now on')).toBeChecked();
  await admin.getByLabel('Unread mail').check();
  await admin.getByText('Outgoing mail (SMTP)', { exact: true }).click();
  await admin.getByLabel('SMTP host').fill(stack.host);
  await admin.getByLabel('SMTP port').fill(String(stack.smtp.starttlsPort));
  await admin.getByRole('button', { name: 'Save and authorize' }).click();
  await signInAtProvider(admin, MAILBOX, PASSWORD);
  await expect(admin.getByTestId('authorization-outcome')).toHaveText(
    `Your email channel is enabled — customers can now create requests by emailing ${MAILBOX}`,
  );

  // The page follows the import by itself until it is done.
  await expect(admin.getByTestId('existing-mail')).toContainText('4 existing emails imported', { timeout: 30_000 });
  await expect(admin.getByRole('button', { name: 'Cancel import' })).toHaveCount(0);
  await admin.getByRole('button', { name: 'Test connection' }).first().click();
  await expect(admin.getByText('✓ Message count: 12 messages in INBOX, 4 unread.')).toBeVisible();

  // New mail after the connection is confirmed as always.
  await stack.deliver(
    MAILBOX,
    buildEmail({ from: 'New Sender <new@archive-customers.test>', to: MAILBOX, subject: 'A question from today', messageId: 'today@archive.test' }),
  );
  await admin.goto('/projects/EX');
  await expect(admin.getByRole('link', { name: 'A question from today' })).toBeVisible({ timeout: 30_000 });
  for (const index of [9, 10, 11, 12]) await expect(admin.getByRole('link', { name: `Archived question ${index}` })).toBeVisible();
  await expect(admin.getByRole('link', { name: /Archived question [1-8]$/ })).toHaveCount(0);
  await admin.getByRole('link', { name: 'Archived question 9' }).click();
  await expect(admin.getByTestId('request-imported')).toHaveText('Imported');
  await expect.poll(async () => (await stack.sentMessages({ to: 'new@archive-customers.test' })).length, { timeout: 30_000 }).toBe(1);
  for (let index = 1; index <= 12; index += 1) expect(await stack.sentMessages({ to: `old${index}@archive-customers.test` })).toHaveLength(0);
});
