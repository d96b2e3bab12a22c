import { expect, test } from '@playwright/test';
import { buildEmail } from '../support/emails';
import { addHarnessIntegration, addToProject, connectHarnessChannel, createProject, createUser, harness, newSignedInPage, setUpOutgoingMail } from './helpers';

const SENDER = { email: 'intake@inbox-answers.test', password: 'inbox-answers-system-secret' };
const CHANNEL = { email: 'desk@inbox-answers.test', password: 'inbox-answers-desk-secret' };
const AGENT = { name: 'Ines Inbox', email: 'ines@inbox-answers.test', password: 'ines password 77' };
const CUSTOMER = 'inbox-customer@example.test';

const subjectOf = (raw: Buffer) => /^Subject: (.*)$/m.exec(raw.toString('utf8'))?.[1]?.trim() ?? '';

test('an agent answers the new-request notification from their mailbox; the customer gets the answer with the project signature', async ({ browser }) => {
  test.setTimeout(180_000);
  const stack = await harness();
  await stack.addUsers([SENDER, CHANNEL, { email: AGENT.email, password: 'ines-mailbox-secret' }, { email: CUSTOMER, password: 'inbox-customer-secret' }]);
  const admin = await newSignedInPage(browser, 'admin');
  await setUpOutgoingMail(admin, SENDER);
  const integration = await addHarnessIntegration(admin, 'Inbox answers mail', 'inbox-answers.test');
  await createProject(admin, 'INB', 'Inbox desk');
  await createUser(admin, AGENT);
  await addToProject(admin, 'INB', AGENT.email, 'agent');
  await connectHarnessChannel(admin, { projectKey: 'INB', integration, ...CHANNEL });
  await admin.getByLabel('Reply signature').fill('Kind regards,\n{agent.name}\n{project.name}');
  await admin
    .locator('form')
    .filter({ has: admin.getByLabel('Reply signature') })
    .getByRole('button', { name: 'Save' })
    .click();
  await expect(admin.getByRole('status').filter({ hasText: 'Email settings saved.' })).toBeVisible();

  await stack.deliver(CHANNEL.email, buildEmail({ from: `Ivo Customer <${CUSTOMER}>`, to: CHANNEL.email, subject: 'Invoice address wrong' }));
  await expect
    .poll(async () => (await stack.listMessages(AGENT.email)).map((message) => subjectOf(message.raw)), { timeout: 90_000, intervals: [1_000] })
    .toContain('[Intake] New request INB-1: Invoice address wrong');
  const notification = (await stack.listMessages(AGENT.email)).find((message) => subjectOf(message.raw).includes('INB-1'))!.raw.toString('utf8');
  expect(notification).toMatch(new RegExp(`^Reply-To: ${CHANNEL.email}`, 'm'));
  const notificationId = /^Message-ID:\s*<([^>]+)>/im.exec(notification)![1]!;

  // The agent's mail client answers: to the Reply-To address, quoting the notification.
  await stack.deliver(
    CHANNEL.email,
    buildEmail({
      from: `${AGENT.name} <${AGENT.email}>`,
      to: CHANNEL.email,
      subject: 'Re: [Intake] New request INB-1: Invoice address wrong',
      inReplyTo: notificationId,
      references: `<${notificationId}>`,
      body: 'Hello Ivo, the corrected invoice is on its way.\r\n\r\n> New request INB-1: Invoice address wrong.',
    }),
  );
  await expect
    .poll(
      async () => (await stack.listMessages(CUSTOMER)).filter((message) => message.raw.toString('utf8').includes('the corrected invoice is on its way')).length,
      {
        timeout: 90_000,
        intervals: [1_000],
      },
    )
    .toBe(1);
  const answer = (await stack.listMessages(CUSTOMER)).find((message) => message.raw.toString('utf8').includes('the corrected invoice'))!.raw.toString('utf8');
  expect(answer).toMatch(new RegExp(`^From: .*<${CHANNEL.email}>`, 'm'));
  expect(answer).toContain('Kind regards,\r\nInes Inbox\r\nInbox desk');
  expect(answer).not.toContain('> New request');

  await admin.goto('/requests/INB-1');
  await expect(admin.getByTestId('comment').filter({ hasText: 'the corrected invoice is on its way' })).toContainText(AGENT.name);
});
