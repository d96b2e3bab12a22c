import { expect, test } from '@playwright/test';
import { addFigures } from '../support/hardening-figures';
import { addToProject, createProject, createUser, harness, newSignedInPage, signInAsAdmin } from './helpers';

const LEAD = { name: 'Oscar Agent', email: 'oscar@intake.test', password: 'oscar password 33' };

test.describe.configure({ mode: 'serial' });

test('a system admin adds a Custom integration, copies the Redirect URL, saves, and Test connection succeeds', async ({ page, context }) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  const stack = await harness();
  await signInAsAdmin(page);
  await page.getByRole('link', { name: 'System' }).click();
  await page.getByRole('link', { name: 'OAuth 2.0' }).click();
  await page.getByRole('link', { name: 'Add new integration' }).click();

  // Google shows its endpoints read-only, its recommended scopes and its warnings.
  await expect(page.getByLabel('Token endpoint')).toHaveValue('https://oauth2.googleapis.com/token');
  await expect(page.getByLabel('Scopes')).toHaveValue('https://mail.google.com/\nopenid\nemail');
  await expect(page.getByText(/“Testing” publishing status, its refresh tokens expire after 7 days/)).toBeVisible();

  await page.getByLabel('Service provider').selectOption('custom');
  await page.getByLabel('Name').fill('Acme identity');
  const redirectUrl = await page.getByLabel('Redirect URL').inputValue();
  expect(redirectUrl).toMatch(/^http:\/\/localhost:\d+\/oauth\/callback\/[0-9a-f-]{36}$/);
  await page.getByRole('button', { name: 'Copy' }).click();
  await expect(page.getByRole('button', { name: 'Copied' })).toBeVisible();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(redirectUrl);

  const client = await stack.createClient({ redirectUris: [redirectUrl] });
  // Bad input comes back per field and loses nothing.
  await page.getByLabel('Issuer').fill('not a url');
  await page.getByLabel('Client ID').fill(client.clientId);
  await page.getByLabel('Mailbox domains').fill('*.acme.test');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByText('Enter a full URL such as https://login.example.com/oauth2/token.')).toBeVisible();
  await expect(page.getByText('“*.acme.test” must not contain wildcards; list each domain.')).toBeVisible();
  await expect(page.getByText('Enter the client secret from the provider.')).toBeVisible();
  await expect(page.getByLabel('Client ID')).toHaveValue(client.clientId);

  await page.getByLabel('Issuer').fill(stack.provider.issuer);
  await page.getByLabel('Client secret').fill(client.clientSecret);
  await page.getByLabel('Scopes').fill(stack.provider.defaultScope.split(' ').join('\n'));
  await page.getByLabel('Mailbox domains').fill('ACME.test');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('Integration saved');
  // The secret is never rendered back.
  expect(await page.content()).not.toContain(client.clientSecret);

  await page.getByRole('button', { name: 'Test connection' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Connection works' })).toBeVisible();

  await page.goto('/admin/system/oauth');
  const row = page.getByRole('row', { name: /Acme identity/ });
  await expect(row).toContainText('Custom');
  await expect(row).toContainText('acme.test');
  await expect(row).toContainText('Connection works');
});

test('an agent gets no access to the integrations page or its actions', async ({ page, browser }) => {
  await signInAsAdmin(page);
  await createProject(page, 'OA', 'OAuth checks');
  await createUser(page, LEAD);
  await addToProject(page, 'OA', LEAD.email, 'agent');

  await page.goto('/admin/system/oauth');
  await page.getByRole('link', { name: 'Acme identity' }).click();
  const [request] = await Promise.all([
    page.waitForRequest((candidate) => candidate.method() === 'POST' && Boolean(candidate.headers()['next-action'])),
    page.getByRole('button', { name: 'Test connection' }).click(),
  ]);
  await expect(page.getByRole('status').filter({ hasText: 'Connection works' })).toBeVisible();

  const agentPage = await newSignedInPage(browser, LEAD);
  await agentPage.goto('/admin/system/oauth');
  await expect(agentPage).toHaveURL(/\/projects$/);
  const headers = request.headers();
  const crafted = await agentPage.request.post(new URL(page.url()).pathname, {
    headers: {
      'Next-Action': headers['next-action']!,
      'Content-Type': headers['content-type']!,
      Origin: new URL(page.url()).origin,
      Accept: 'text/x-component',
    },
    data: request.postDataBuffer()!,
  });
  const answer = await crafted.text();
  addFigures('attacks-e2e', { tried: 1, refused: answer.includes('Only system admins can do that.') ? 1 : 0 });
  expect(answer).toContain('Only system admins can do that.');
  expect(answer).not.toContain('Connection works');
});
