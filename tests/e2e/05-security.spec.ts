import { expect, test } from '@playwright/test';
import { buildEmail } from '../support/emails';
import { addFigures } from '../support/hardening-figures';
import { ADMIN, addToProject, createProject, createUser, harness, newSignedInPage, signOut } from './helpers';

const OUTSIDER = { name: 'Olga Outsider', email: 'olga@intake.test', password: 'olga password 66' };
const GUESSED = { name: 'Gus Guessed', email: 'gus@intake.test', password: 'gus password 777' };

test.describe.configure({ mode: 'serial' });

test('pages carry a strict Content-Security-Policy and the session cookie is HttpOnly and SameSite=Lax', async ({ page }) => {
  const response = await page.goto('/sign-in');
  const headers = response!.headers();
  const policy = headers['content-security-policy']!;
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).toMatch(/script-src 'self' 'nonce-[^']+' 'strict-dynamic'/);
  expect(policy).not.toContain('unsafe-eval');
  expect(headers['x-content-type-options']).toBe('nosniff');

  const admin = await newSignedInPage(page.context().browser()!, 'admin');
  const cookies = await admin.context().cookies();
  const session = cookies.find((cookie) => cookie.name.includes('authjs.session-token'))!;
  expect(session).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
});

test('the OAuth callback answers with no-referrer and refuses a state it does not know', async ({ page }) => {
  const response = await page.goto('/oauth/callback/00000000-0000-4000-8000-000000000000?code=abc&state=forged');
  addFigures('attacks-e2e', { tried: 1, refused: response!.status() === 400 ? 1 : 0 });
  expect(response!.status()).toBe(400);
  expect(response!.headers()['referrer-policy']).toBe('no-referrer');
  await expect(page.getByRole('alert')).toContainText('unknown or was already used');
});

test('server actions posted from a foreign Origin are refused', async ({ browser }) => {
  const admin = await newSignedInPage(browser, 'admin');
  await admin.goto('/admin/projects');
  await admin.getByLabel('Name').fill('Origin check');
  await admin.getByLabel('Key').fill('ZZZZZZZZZZZZ');
  const [request] = await Promise.all([
    admin.waitForRequest((candidate) => candidate.method() === 'POST' && Boolean(candidate.headers()['next-action'])),
    admin.getByRole('button', { name: 'Create project' }).click(),
  ]);
  const body = request.postDataBuffer()!.toString('latin1').replace('ZZZZZZZZZZZZ', 'EVIL');
  const headers = request.headers();
  const forged = await admin.request.post('/admin/projects', {
    headers: { 'Next-Action': headers['next-action']!, 'Content-Type': headers['content-type']!, Origin: 'https://evil.example', Accept: 'text/x-component' },
    data: Buffer.from(body, 'latin1'),
  });
  addFigures('attacks-e2e', { tried: 1, refused: forged.ok() ? 0 : 1 });
  expect(forged.ok()).toBe(false);
  await admin.goto('/admin/projects');
  await expect(admin.getByRole('cell', { name: 'EVIL', exact: true })).toHaveCount(0);
});

test('sign-in is throttled after repeated failures, even with the right password', async ({ browser, page }) => {
  const admin = await newSignedInPage(browser, 'admin');
  await createUser(admin, GUESSED);
  for (let attempt = 0; attempt < 5; attempt++) {
    await page.goto('/sign-in');
    await page.getByLabel('Email').fill(GUESSED.email);
    await page.getByLabel('Password').fill(`wrong guess ${attempt}0000`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'not right' })).toBeVisible();
  }
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(GUESSED.email);
  await page.getByLabel('Password').fill(GUESSED.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Too many failed sign-ins' })).toBeVisible();
  addFigures('attacks-e2e', { tried: 1, refused: 1 });
});

test('attachments and original emails are downloadable only by people of the project', async ({ browser, playwright, baseURL }) => {
  const stack = await harness();
  const admin = await newSignedInPage(browser, 'admin');
  await createProject(admin, 'OTH', 'Other team');
  await createUser(admin, OUTSIDER);
  await addToProject(admin, 'OTH', OUTSIDER.email, 'agent');
  await stack.deliver(
    'support@acme.test',
    buildEmail({
      to: 'support@acme.test',
      subject: 'Contract attached',
      attachment: { filename: 'contract.html', contentType: 'text/html', content: Buffer.from('<script>alert(1)</script>') },
    }),
  );
  await admin.goto('/projects/SD?status=all');
  await expect(admin.getByRole('link', { name: 'Contract attached' })).toBeVisible({ timeout: 40_000 });
  await admin.getByRole('link', { name: 'Contract attached' }).click();
  const attachmentUrl = await admin.getByRole('link', { name: /contract\.html/ }).getAttribute('href');
  const rawUrl = await admin.getByRole('link', { name: 'Download .eml' }).getAttribute('href');

  const own = await admin.request.get(attachmentUrl!);
  expect(own.status()).toBe(200);
  expect(own.headers()['content-disposition']).toMatch(/^attachment; filename="contract\.html"/);
  expect(own.headers()['content-type']).toBe('text/html');
  expect(own.headers()['x-content-type-options']).toBe('nosniff');
  expect((await admin.request.get(rawUrl!)).status()).toBe(200);

  const anonymous = await playwright.request.newContext({ baseURL });
  const outsider = await newSignedInPage(browser, OUTSIDER);
  const statuses = [
    (await anonymous.get(attachmentUrl!)).status(),
    (await anonymous.get(rawUrl!)).status(),
    (await outsider.request.get(attachmentUrl!)).status(),
    (await outsider.request.get(rawUrl!)).status(),
  ];
  addFigures('attacks-e2e', { tried: statuses.length, refused: statuses.filter((status) => status === 404).length });
  expect(statuses).toEqual([404, 404, 404, 404]);
  await outsider.goto('/requests/SD-1');
  await expect(outsider.getByRole('heading', { name: 'Not found' })).toBeVisible();
});

test('malformed ids answer 404 or are ignored, never a database error', async ({ browser }) => {
  const admin = await newSignedInPage(browser, 'admin');
  const statuses = [
    (await admin.request.get('/api/attachments/------------------------------------')).status(),
    (await admin.request.get('/api/messages/------------------------------------/raw')).status(),
    (await admin.request.get('/admin/users/x')).status(),
    (await admin.request.get('/admin/system/oauth/------------------------------------')).status(),
    (await admin.request.get('/oauth/callback/------------------------------------?code=a&state=b')).status(),
  ];
  addFigures('attacks-e2e', { tried: statuses.length, refused: statuses.filter((status) => status === 404).length });
  expect(statuses).toEqual([404, 404, 404, 404, 404]);
  const queue = await admin.goto(`/projects/SD?assignee=${'a'.repeat(36)}`);
  expect(queue!.status()).toBe(200);
  await expect(admin.getByRole('heading', { level: 1 })).toBeVisible();
});

test('a return path that names another host is not followed after sign-in', async ({ page }) => {
  await page.goto('/sign-in?next=%2F%5Cevil.example');
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((url) => url.pathname === '/projects' || url.hostname !== 'localhost', { timeout: 15_000 });
  expect(new URL(page.url()).hostname).toBe('localhost');
});

test('signing out ends the session on the server: a copy of the cookie taken before stops working', async ({ browser }) => {
  const page = await newSignedInPage(browser, 'admin');
  const copied = await browser.newContext({ storageState: await page.context().storageState() });
  const thief = await copied.newPage();
  await thief.goto('/projects');
  await expect(thief.getByTestId('signed-in-user')).toContainText(ADMIN.email);

  await signOut(page);
  await thief.goto('/projects');
  await expect(thief).toHaveURL(/\/sign-in/);
  await copied.close();
});
