import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { buildEmail } from '../support/emails';
import { addFigures } from '../support/hardening-figures';
import { addHarnessIntegration, addToProject, connectHarnessChannel, createUser, harness, newSignedInPage } from './helpers';

const AGENT = { name: 'Wanda Agent', email: 'wanda@intake.test', password: 'wanda password 55' };
const CHANNEL = 'support@acme.test';
const CUSTOMER = 'customer@example.test';

test.describe.configure({ mode: 'serial' });

function subjects(raws: Buffer[]): string[] {
  return raws.map((raw) => /^Subject: (.*)$/m.exec(raw.toString('utf8'))?.[1]?.trim() ?? '');
}

test('SD gets a channel that also sends mail', async ({ browser }) => {
  const admin = await newSignedInPage(browser, 'admin');
  const integration = await addHarnessIntegration(admin, 'Support mailbox', 'acme.test\nexample.test');
  await createUser(admin, AGENT);
  await addToProject(admin, 'SD', AGENT.email, 'agent');
  await connectHarnessChannel(admin, { projectKey: 'SD', integration, email: CHANNEL, password: 'support-secret' });
});

test('a customer email becomes SD-1, is confirmed, answered by an agent, and the reply threads back', async ({ browser }) => {
  const stack = await harness();
  await stack.deliver(
    CHANNEL,
    buildEmail({ from: `Casey Customer <${CUSTOMER}>`, to: CHANNEL, subject: 'Invoice is wrong', body: 'The invoice lists 12 seats; we have 10.' }),
  );

  const agent = await newSignedInPage(browser, AGENT);
  await agent.goto('/projects/SD');
  await expect(agent.getByRole('link', { name: 'Invoice is wrong' })).toBeVisible({ timeout: 30_000 });
  const key = (await agent
    .getByRole('row', { name: /Invoice is wrong/ })
    .getByRole('link')
    .first()
    .textContent())!.trim();
  expect(key).toBe('SD-1');

  // The reporter receives a confirmation naming the key, marked as automatic.
  await expect
    .poll(async () => subjects((await stack.listMessages(CUSTOMER)).map((message) => message.raw)), { timeout: 30_000 })
    .toContain('[SD-1] Invoice is wrong');
  const confirmation = (await stack.listMessages(CUSTOMER)).find((message) => message.raw.toString().includes('[SD-1] Invoice is wrong'))!.raw.toString();
  expect(confirmation).toMatch(/^Auto-Submitted: auto-replied/m);

  await agent.getByRole('link', { name: 'Invoice is wrong' }).click();
  await expect(agent.getByText('The invoice lists 12 seats; we have 10.')).toBeVisible();
  await agent.getByLabel('Message').fill('Thanks, Casey — we corrected the invoice to 10 seats.');
  await agent.getByRole('button', { name: 'Reply to customer' }).click();
  await expect(agent.getByRole('status').filter({ hasText: 'Reply saved' })).toBeVisible();
  // The reply moved the request on; the Details form shows it, so its next Update keeps it.
  await expect(agent.getByLabel('Status')).toHaveValue('waiting');
  await agent.getByLabel('Assignee').selectOption({ label: AGENT.name });
  await agent.getByRole('button', { name: 'Update' }).click();
  await expect(agent.getByRole('status').filter({ hasText: 'Request updated' })).toBeVisible();
  await expect(agent.getByRole('heading', { level: 1 })).toContainText('Waiting for customer');
  await expect(agent.getByLabel('Status')).toHaveValue('waiting');

  await expect
    .poll(async () => subjects((await stack.listMessages(CUSTOMER)).map((message) => message.raw)), { timeout: 30_000 })
    .toContain('Re: [SD-1] Invoice is wrong');
  const reply = (await stack.listMessages(CUSTOMER)).find((message) => message.raw.toString().includes('Re: [SD-1]'))!.raw.toString();
  expect(reply).toContain('we corrected the invoice to 10 seats');
  const replyMessageId = /^Message-ID:\s*<([^>]+)>/im.exec(reply)![1]!;
  await agent.reload();
  await expect(agent.getByTestId('comment').filter({ hasText: 'corrected the invoice' })).toContainText('Emailed to customer@example.test');

  // The customer answers without the key in the subject: In-Reply-To threads it to SD-1.
  await stack.deliver(
    CHANNEL,
    buildEmail({ from: `Casey Customer <${CUSTOMER}>`, to: CHANNEL, subject: 'Re: Invoice is wrong', inReplyTo: replyMessageId, body: 'Perfect, thank you!' }),
  );
  await expect(agent.getByTestId('comment').filter({ hasText: 'Perfect, thank you!' })).toBeVisible({ timeout: 40_000 });
  await agent.goto('/projects/SD?status=all');
  await expect(agent.getByRole('row', { name: /Invoice is wrong/ })).toHaveCount(1);
  await expect(agent.getByRole('row', { name: /Re: Invoice is wrong/ })).toHaveCount(0);
});

test('hostile HTML renders without running scripts or loading remote images until asked', async ({ browser }) => {
  const stack = await harness();
  let trackerHits = 0;
  const tracker: Server = createServer((_request, response) => {
    trackerHits++;
    response.writeHead(200, { 'Content-Type': 'image/gif' }).end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
  });
  await new Promise<void>((resolve) => tracker.listen(0, '127.0.0.1', resolve));
  const trackerUrl = `http://127.0.0.1:${(tracker.address() as AddressInfo).port}/pixel.gif`;
  try {
    const html = [
      '<p>Hello <b>team</b></p>',
      '<script>window.__xss = "script"</script>',
      '<img src="x" onerror="window.__xss = \'onerror\'">',
      '<a href="javascript:window.__xss = \'link\'">click me</a>',
      `<img src="${trackerUrl}" alt="tracker">`,
      '<svg onload="window.__xss = \'svg\'"></svg>',
    ].join('\n');
    const raw = Buffer.from(
      [
        `From: Mallory <mallory@example.test>`,
        `To: ${CHANNEL}`,
        'Subject: Look at this',
        'Message-ID: <hostile@example.test>',
        'MIME-Version: 1.0',
        'Content-Type: text/html; charset=utf-8',
        '',
        html,
        '',
      ].join('\r\n'),
    );
    await stack.deliver(CHANNEL, raw);
    const agent = await newSignedInPage(browser, AGENT);
    const dialogs: string[] = [];
    agent.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await agent.goto('/projects/SD');
    await expect(agent.getByRole('link', { name: 'Look at this' })).toBeVisible({ timeout: 30_000 });
    await agent.getByRole('link', { name: 'Look at this' }).click();
    await expect(agent.getByText('Hello')).toBeVisible();
    await expect(agent.locator('a[href^="javascript" i]')).toHaveCount(0);
    await agent.getByText('click me').click();
    await expect(agent.getByText('Hello')).toBeVisible();
    expect(await agent.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
    expect(dialogs).toEqual([]);
    expect(trackerHits).toBe(0);
    // Script element, event handler, javascript: link, SVG handler and tracking image: all defused.
    addFigures('attacks-e2e', { tried: 5, refused: 5 });

    await agent.getByRole('button', { name: 'Load images' }).click();
    await expect.poll(() => trackerHits).toBeGreaterThan(0);
    expect(await agent.evaluate(() => (window as unknown as { __xss?: string }).__xss)).toBeUndefined();
  } finally {
    tracker.close();
  }
});
