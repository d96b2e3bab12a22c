import { expect, test } from '@playwright/test';
import { addFigures } from '../support/hardening-figures';
import { ADMIN, AGENT, signIn, signOut } from './helpers';

test.describe.configure({ mode: 'serial' });

test('first visit leads to setup of the first system admin', async ({ page }) => {
  const health = await page.request.get('/api/health');
  expect(health.status()).toBe(200);
  expect(await health.json()).toMatchObject({ status: 'ok', database: { kind: 'pglite' }, migrations: { upToDate: true } });

  await page.goto('/');
  await expect(page).toHaveURL(/\/setup$/);
  await page.getByLabel('Your name').fill(ADMIN.name);
  await page.getByLabel('Email').fill('not-an-email');
  await page.getByLabel('Password').fill('weak');
  await page.getByRole('button', { name: 'Create system admin' }).click();
  await expect(page.getByText('Enter a valid email address')).toBeVisible();
  await expect(page.getByText(/Use at least 12 characters/).last()).toBeVisible();
  await expect(page.getByLabel('Your name')).toHaveValue(ADMIN.name);

  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Create system admin' }).click();
  await expect(page).toHaveURL(/\/admin\/projects$/);
  await expect(page.getByTestId('signed-in-user')).toContainText(ADMIN.email);

  // Setup is gone once an admin exists.
  const again = await page.goto('/setup');
  expect(again?.status()).toBe(404);
});

test('a system admin creates a project and an agent, and the agent sees only that project', async ({ page, browser }) => {
  await signIn(page, ADMIN);
  await page.getByRole('link', { name: 'Projects' }).last().click();
  await expect(page.getByRole('heading', { name: 'Create project' })).toBeVisible();
  await page.getByLabel('Name').fill('Customer support');
  await page.getByLabel('Key').fill('sd');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByText('Use 2 to 10 capital letters')).toBeVisible();
  await expect(page.getByLabel('Name')).toHaveValue('Customer support');
  await page.getByLabel('Key').fill('SD');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('status')).toContainText('Project SD created');
  await page.getByLabel('Name').fill('Duplicate');
  await page.getByLabel('Key').fill('SD');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByText('The key SD is already used by another project.')).toBeVisible();

  await page.getByRole('link', { name: 'Users' }).click();
  await expect(page.getByRole('heading', { name: 'Create user' })).toBeVisible();
  await page.getByLabel('Name').fill(AGENT.name);
  await page.getByLabel('Email').fill(AGENT.email);
  await page.getByLabel('Password').fill(AGENT.password);
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('status')).toContainText(`${AGENT.email} can now sign in`);
  await page.getByLabel('Name').fill('Someone');
  await page.getByLabel('Email').fill(AGENT.email);
  await page.getByLabel('Password').fill(AGENT.password);
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByText('A user with this email address already exists.')).toBeVisible();

  await page.goto('/projects/SD/settings/people');
  await page.getByLabel('Email').fill(AGENT.email);
  await page.getByLabel('Role').selectOption('agent');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('cell', { name: AGENT.email })).toBeVisible();

  await page.goto('/admin/system');
  await expect(page.getByTestId('job-runner-heartbeat')).toHaveText(/Job runner: last heartbeat \d+ s ago/);

  const agentContext = await browser.newContext();
  const agentPage = await agentContext.newPage();
  await signIn(agentPage, AGENT);
  await expect(agentPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /SD\s*Customer support/ })).toBeVisible();
  await expect(agentPage.getByText('Administration')).toHaveCount(0);
  await agentPage.goto('/admin/users');
  await expect(agentPage).toHaveURL(/\/projects$/);
  await agentPage.goto('/projects/SD');
  await expect(agentPage.getByText('No requests yet')).toBeVisible();
  await agentPage.goto('/projects/SD/settings');
  await expect(agentPage.getByRole('alert').filter({ hasText: 'Only project admins' })).toBeVisible();
  await agentContext.close();
});

test('a crafted POST from an agent to an admin action is refused', async ({ page, browser }) => {
  await signIn(page, ADMIN);
  await page.goto('/admin/users');
  // Record how the real form calls its server action (this submission is the control: it works
  // for an admin), then replay the same request from the agent's session with another email.
  await page.getByLabel('Name').fill('Control');
  await page.getByLabel('Email').fill('control@intake.test');
  await page.getByLabel('Password').fill('control password 1');
  await page.getByLabel('System admin').check();
  const [request] = await Promise.all([
    page.waitForRequest((candidate) => candidate.method() === 'POST' && Boolean(candidate.headers()['next-action'])),
    page.getByRole('button', { name: 'Create user' }).click(),
  ]);
  await expect(page.getByRole('status')).toContainText('control@intake.test can now sign in');
  const headers = request.headers();
  const body = request.postDataBuffer()!.toString('latin1').replaceAll('control@intake.test', 'mallory@intake.test');

  const agentContext = await browser.newContext();
  const agentPage = await agentContext.newPage();
  await signIn(agentPage, AGENT);
  const crafted = await agentPage.request.post('/admin/users', {
    headers: {
      'Next-Action': headers['next-action']!,
      'Content-Type': headers['content-type']!,
      Origin: new URL(page.url()).origin,
      Accept: 'text/x-component',
    },
    data: Buffer.from(body, 'latin1'),
  });
  const answer = await crafted.text();
  addFigures('attacks-e2e', { tried: 1, refused: answer.includes('Only system admins can do that.') ? 1 : 0 });
  expect(answer).toContain('Only system admins can do that.');
  expect(answer).not.toContain('can now sign in');
  await agentContext.close();

  await page.goto('/admin/users');
  await expect(page.getByText('control@intake.test')).toBeVisible();
  await expect(page.getByText('mallory@intake.test')).toHaveCount(0);
});

test('deactivating a user ends their session at once', async ({ page, browser }) => {
  const agentContext = await browser.newContext();
  const agentPage = await agentContext.newPage();
  await signIn(agentPage, AGENT);

  await signIn(page, ADMIN);
  await page.goto('/admin/users');
  await page.getByRole('link', { name: AGENT.name }).click();
  await expect(page.getByRole('heading', { name: AGENT.name })).toBeVisible();
  await page.getByLabel('Active').uncheck();
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('User saved');

  await agentPage.goto('/projects');
  await expect(agentPage).toHaveURL(/\/sign-in/);
  await agentPage.getByLabel('Email').fill(AGENT.email);
  await agentPage.getByLabel('Password').fill(AGENT.password);
  await agentPage.getByRole('button', { name: 'Sign in' }).click();
  await expect(agentPage.getByRole('alert').filter({ hasText: 'not right, or the account is deactivated' })).toBeVisible();
  await agentContext.close();
  await signOut(page);
});
