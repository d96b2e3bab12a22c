import { expect, test } from '@playwright/test';
import PostalMime from 'postal-mime';
import { buildEmail } from '../support/emails';
import { addHarnessIntegration, addToProject, connectHarnessChannel, createProject, createUser, harness, newSignedInPage } from './helpers';

const AGENT = { name: 'Fiona Files', email: 'fiona@intake.test', password: 'fiona password 77' };
const CHANNEL = 'desk@attach.test';
const CHANNEL_PASSWORD = 'attach-desk-secret';
const CUSTOMER = 'ann@customer.test';
/** Every byte value, so that an encoding that mangles any of them shows. */
const QUOTE = Buffer.from(Array.from({ length: 3000 }, (_, index) => (index * 13) % 256));

test('an agent attaches a file to a reply and the customer receives it', async ({ browser }) => {
  test.setTimeout(180_000);
  const stack = await harness();
  await stack.addUsers([
    { email: CHANNEL, password: CHANNEL_PASSWORD },
    { email: CUSTOMER, password: 'ann-mailbox-secret' },
  ]);
  const admin = await newSignedInPage(browser, 'admin');
  const integration = await addHarnessIntegration(admin, 'Attachments mailbox', 'attach.test');
  await createProject(admin, 'AT', 'Attach desk');
  await createUser(admin, AGENT);
  await addToProject(admin, 'AT', AGENT.email, 'agent');
  await connectHarnessChannel(admin, { projectKey: 'AT', integration, email: CHANNEL, password: CHANNEL_PASSWORD });

  const agent = await newSignedInPage(browser, AGENT);
  await stack.deliver(
    CHANNEL,
    buildEmail({ from: `Ann Customer <${CUSTOMER}>`, to: CHANNEL, subject: 'Need the signed quote', body: 'Could you send the quote?' }),
  );
  await agent.goto('/projects/AT');
  await expect(agent.getByRole('link', { name: 'Need the signed quote' })).toBeVisible({ timeout: 40_000 });
  await agent.getByRole('link', { name: 'Need the signed quote' }).click();
  await expect(agent.getByText('Up to 10 MB in all.')).toBeVisible();

  // Too much is refused as soon as it is chosen, keeping the typed message.
  await agent.getByLabel('Message').fill('Here is the signed quote, Ann.');
  await agent.getByLabel('Attach files').setInputFiles({ name: 'scan.tiff', mimeType: 'image/tiff', buffer: Buffer.alloc(12 * 1024 * 1024) });
  await expect(agent.getByText('Attach at most 10 MB to one comment; these files come to 12 MB. Choose fewer or smaller files.')).toBeVisible();
  await expect(agent.getByLabel('Message')).toHaveValue('Here is the signed quote, Ann.');

  await agent.getByLabel('Attach files').setInputFiles({ name: 'quote.pdf', mimeType: 'application/pdf', buffer: QUOTE });
  await expect(agent.getByText(/Attach at most/)).toHaveCount(0);
  await agent.getByRole('button', { name: 'Reply to customer' }).click();
  await expect(agent.getByRole('status').filter({ hasText: 'Reply saved' })).toBeVisible();
  const comment = agent.getByTestId('comment').filter({ hasText: 'Here is the signed quote, Ann.' });
  const link = comment.getByRole('link', { name: /quote\.pdf/ });
  await expect(link).toBeVisible();
  const download = await agent.request.get((await link.getAttribute('href'))!);
  expect(Buffer.from(await download.body()).equals(QUOTE)).toBe(true);

  await expect
    .poll(async () => (await stack.listMessages(CUSTOMER)).filter((message) => message.raw.toString('utf8').includes('Here is the signed quote')).length, {
      timeout: 40_000,
    })
    .toBe(1);
  const raw = (await stack.listMessages(CUSTOMER)).find((message) => message.raw.toString('utf8').includes('Here is the signed quote'))!.raw;
  const email = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
  expect(email.attachments.map((file) => ({ filename: file.filename, mimeType: file.mimeType }))).toEqual([
    { filename: 'quote.pdf', mimeType: 'application/pdf' },
  ]);
  expect(Buffer.from(email.attachments[0]!.content as ArrayBuffer).equals(QUOTE)).toBe(true);
});
