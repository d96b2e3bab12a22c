import { type Browser, expect, type Page } from '@playwright/test';
import { attachHarness, type Harness } from '../harness';

export const ADMIN = { name: 'Ada Admin', email: 'ada@intake.test', password: 'first admin pass 1' };
export const AGENT = { name: 'Alan Agent', email: 'alan@intake.test', password: 'agent password 22' };

export async function signIn(page: Page, who: { email: string; password: string }): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('Email').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByTestId('signed-in-user')).toContainText(who.email);
}

export async function signOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/sign-in/);
}

/** Signs in as the first system admin, creating it if this is the app's first visit. */
export async function signInAsAdmin(page: Page): Promise<void> {
  await page.goto('/');
  if (page.url().endsWith('/setup')) {
    await page.getByLabel('Your name').fill(ADMIN.name);
    await page.getByLabel('Email').fill(ADMIN.email);
    await page.getByLabel('Password').fill(ADMIN.password);
    await page.getByRole('button', { name: 'Create system admin' }).click();
    await expect(page.getByTestId('signed-in-user')).toContainText(ADMIN.email);
    return;
  }
  await signIn(page, ADMIN);
}

export async function newSignedInPage(browser: Browser, who: { email: string; password: string } | 'admin'): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  if (who === 'admin') await signInAsAdmin(page);
  else await signIn(page, who);
  return page;
}

export async function createProject(page: Page, key: string, name: string): Promise<void> {
  await page.goto('/admin/projects');
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Key').fill(key);
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page.getByRole('status')).toContainText(`Project ${key} created`);
}

export async function createUser(page: Page, user: { name: string; email: string; password: string }): Promise<void> {
  await page.goto('/admin/users');
  await page.getByLabel('Name').fill(user.name);
  await page.getByLabel('Email').fill(user.email);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByRole('status')).toContainText(`${user.email} can now sign in`);
}

export async function addToProject(page: Page, key: string, email: string, role: 'admin' | 'agent'): Promise<void> {
  await page.goto(`/projects/${key}/settings/people`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Role').selectOption(role);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('cell', { name: email })).toBeVisible();
}

export function harness(): Promise<Harness> {
  return attachHarness();
}

/**
 * Adds a Custom integration at the harness provider through the UI, registering its Redirect
 * URL at the provider the way an admin would; returns the integration's name.
 */
export async function addHarnessIntegration(page: Page, name: string, domains: string): Promise<string> {
  const stack = await harness();
  await page.goto('/admin/system/oauth');
  await page.getByRole('link', { name: 'Add new integration' }).click();
  await page.getByLabel('Service provider').selectOption('custom');
  await page.getByLabel('Name').fill(name);
  const redirectUrl = await page.getByLabel('Redirect URL').inputValue();
  const client = await stack.createClient({ redirectUris: [redirectUrl] });
  await page.getByLabel('Issuer').fill(stack.provider.issuer);
  await page.getByLabel('Client ID').fill(client.clientId);
  await page.getByLabel('Client secret').fill(client.clientSecret);
  await page.getByLabel('Scopes').fill(stack.provider.defaultScope.split(' ').join('\n'));
  await page.getByLabel('Mailbox domains').fill(domains);
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(page.getByRole('status')).toContainText('Integration saved');
  return name;
}

/**
 * At the harness provider (after Intake sent the browser there): signs in unless the provider
 * remembers a session, and consents.
 */
export async function signInAtProvider(page: Page, email: string, password: string): Promise<void> {
  const { provider } = await harness();
  await page.waitForURL((url) => url.origin === new URL(provider.issuer).origin);
  const signInButton = page.getByRole('button', { name: 'Sign in' });
  const allowButton = page.getByRole('button', { name: 'Allow' });
  await expect(signInButton.or(allowButton)).toBeVisible();
  if (await signInButton.isVisible()) {
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await signInButton.click();
  }
  await allowButton.click();
}

/** Sets the harness's SMTP submission up as Intake's outgoing mail server, signed in as `sender`; updates one an earlier spec set up. */
export async function setUpOutgoingMail(page: Page, sender: { email: string; password: string }): Promise<void> {
  const stack = await harness();
  await page.goto('/admin/system/outgoing-mail');
  await page.getByLabel('Authentication method').selectOption('password');
  await page.getByLabel('SMTP host').fill(stack.host);
  await page.getByLabel('Port').fill(String(stack.smtp.starttlsPort));
  await page.getByLabel('Security').selectOption('starttls');
  await page.getByLabel('Username').fill(sender.email);
  await page.getByLabel('Password').fill(sender.password);
  await page.getByLabel('From address').fill(sender.email);
  await page.getByRole('button', { name: /^(Save|Update)$/ }).click();
  await expect(page.getByRole('status')).toContainText('Outgoing mail server saved.');
}

/**
 * As a project admin: connects the project's channel to a harness mailbox that reads over IMAP
 * and sends over SMTP with STARTTLS, through `integration`, and authorizes it.
 */
export async function connectHarnessChannel(page: Page, channel: { projectKey: string; integration: string; email: string; password: string }): Promise<void> {
  const stack = await harness();
  await page.goto(`/projects/${channel.projectKey}/settings/email`);
  await page.getByLabel('Email address').fill(channel.email);
  await page.getByLabel('Authentication method').selectOption({ label: `OAuth 2.0: ${channel.integration}` });
  await page.getByLabel('Host', { exact: true }).fill(stack.host);
  await page.getByLabel('Port', { exact: true }).fill(String(stack.imap.tlsPort));
  await page.getByText('Outgoing mail (SMTP)').click();
  await page.getByLabel('SMTP host').fill(stack.host);
  await page.getByLabel('SMTP port').fill(String(stack.smtp.starttlsPort));
  await page.getByRole('button', { name: 'Save and authorize' }).click();
  await signInAtProvider(page, channel.email, channel.password);
  await expect(page.getByTestId('authorization-outcome')).toContainText(`customers can now create requests by emailing ${channel.email}`);
}
