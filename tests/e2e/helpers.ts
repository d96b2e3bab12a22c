import { expect, type Page } from '@playwright/test';

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
