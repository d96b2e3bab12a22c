import { expect, test } from '@playwright/test';
import { addToProject, createProject, createUser, harness, newSignedInPage, setUpOutgoingMail, signIn, signOut } from './helpers';

const SENDER = 'notify@outgoing.test';
const SENDER_PASSWORD = 'notify-outgoing-secret';
const AGENT = { name: 'Nora Notified', email: 'nora@notify.test', password: 'nora password 88' };

const subjectsIn = async (address: string) =>
  (await (await harness()).listMessages(address)).map((message) => /^Subject: (.*)$/m.exec(message.raw.toString('utf8'))?.[1]?.trim() ?? '');

test('an agent chooses notification emails on Profile and receives the new-request notification in their mailbox', async ({ browser }) => {
  test.setTimeout(180_000);
  const stack = await harness();
  await stack.addUsers([
    { email: SENDER, password: SENDER_PASSWORD },
    { email: AGENT.email, password: 'nora-mailbox-secret' },
  ]);
  const admin = await newSignedInPage(browser, 'admin');
  await setUpOutgoingMail(admin, { email: SENDER, password: SENDER_PASSWORD });
  await createProject(admin, 'NT', 'Notify desk');
  await createUser(admin, AGENT);
  await addToProject(admin, 'NT', AGENT.email, 'agent');

  const agent = await newSignedInPage(browser, AGENT);
  await agent.getByRole('link', { name: 'Profile' }).click();
  await expect(agent.getByRole('heading', { name: 'Profile' })).toBeVisible();
  await expect(agent.getByLabel('New request')).toBeChecked();
  await agent.getByLabel('New request').uncheck();
  await agent.getByLabel('Name').fill('');
  await agent.getByRole('button', { name: 'Save' }).click();
  // Bad input loses nothing: the name is asked for, the unchecked box stays unchecked.
  await expect(agent.getByText('Enter a name.')).toBeVisible();
  await expect(agent.getByLabel('New request')).not.toBeChecked();
  await agent.getByLabel('Name').fill(AGENT.name);
  await agent.getByRole('button', { name: 'Save' }).click();
  await expect(agent.getByRole('status')).toContainText('Profile saved.');
  await agent.reload();
  await expect(agent.getByLabel('New request')).not.toBeChecked();
  await expect(agent.getByLabel('Customer reply')).toBeChecked();

  const createRequest = async (summary: string) => {
    await admin.goto('/projects/NT/new');
    await admin.getByLabel('Summary').fill(summary);
    await admin.getByRole('button', { name: 'Create request' }).click();
    await expect(admin.getByRole('heading', { level: 1 })).toContainText(summary);
  };
  await createRequest('Muted: nobody is told');

  await agent.getByLabel('New request').check();
  await agent.getByRole('button', { name: 'Save' }).click();
  await expect(agent.getByRole('status')).toContainText('Profile saved.');
  await createRequest('Printer on fire');

  await expect.poll(() => subjectsIn(AGENT.email), { timeout: 90_000, intervals: [1_000] }).toContain('[Intake] New request NT-2: Printer on fire');
  const [notification] = await stack.listMessages(AGENT.email);
  const raw = notification!.raw.toString('utf8');
  expect(raw).toMatch(/^Auto-Submitted: auto-generated/m);
  expect(raw).toContain(`/requests/NT-2`);
  expect(await subjectsIn(AGENT.email)).toEqual(['[Intake] New request NT-2: Printer on fire']);

  await admin.reload();
  await expect(admin.getByTestId('notified')).toContainText(AGENT.email);
  await expect(admin.getByTestId('notified')).toContainText('new request');

  // The same page changes the password: the current one is checked first.
  await agent.goto('/profile');
  const NEW_PASSWORD = 'nora changed it 99';
  await agent.getByLabel('Current password').fill('not my password 1');
  await agent.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await agent.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
  await agent.getByRole('button', { name: 'Change password' }).click();
  await expect(agent.getByText('That is not your current password.')).toBeVisible();
  await agent.getByLabel('Current password').fill(AGENT.password);
  await agent.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await agent.getByLabel('Repeat the new password').fill(NEW_PASSWORD);
  await agent.getByRole('button', { name: 'Change password' }).click();
  await expect(agent.getByRole('status')).toContainText('Password changed.');
  await agent.reload();
  await expect(agent.getByTestId('signed-in-user')).toContainText(AGENT.email);
  await signOut(agent);
  await signIn(agent, { email: AGENT.email, password: NEW_PASSWORD });
});
