import { chromium } from '@playwright/test';
import { seedAdmin, seedProject, TEST_PASSWORD } from '../../support/fixtures';
import { createTestDatabase } from '../../support/test-database';
import { startApp } from '../support/web-app';
import { seedRequests } from '../support/web-seed';
import { WebSession } from '../support/web-session';
import { percentile } from '../support/stats';

export interface WebFigures {
  requests: number;
  queueP50Ms: number;
  queueP95Ms: number;
  requestP50Ms: number;
  requestP95Ms: number;
  /** Sign-in form to a rendered queue in Chromium; null when the browser could not run. */
  browserSignInToQueueMs: number | null;
  appStartSeconds: number;
}

const SAMPLES = 60;
const WARM_UP = 5;

const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

async function timeSamples(session: WebSession, paths: () => string): Promise<number[]> {
  for (let index = 0; index < WARM_UP; index++) await session.timePage(paths());
  const times: number[] = [];
  for (let index = 0; index < SAMPLES; index++) times.push(await session.timePage(paths()));
  return times;
}

/** What a person waits for: sign-in form submitted, then the project's queue rendered. */
async function browserSignInToQueue(url: string, email: string, key: string): Promise<number> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_FLAGS });
  try {
    const page = await browser.newPage();
    await page.goto(`${url}/sign-in`);
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(TEST_PASSWORD);
    const started = performance.now();
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByTestId('signed-in-user').waitFor();
    await page.goto(`${url}/projects/${key}`);
    await page
      .getByText(new RegExp(`${key}-\\d+`))
      .first()
      .waitFor();
    return performance.now() - started;
  } finally {
    await browser.close();
  }
}

/**
 * The queue and a request page of a project with many requests, through the real app on
 * PostgreSQL, signed in as one of the project's agents: whole response times on loopback.
 */
export async function runWeb(count: number, say: (line: string) => void): Promise<WebFigures> {
  const database = await createTestDatabase();
  try {
    const admin = await seedAdmin(database.handle.db);
    const { project, agent } = await seedProject(database.handle.db, admin, 'WEB');
    const seeding = performance.now();
    await seedRequests(database.handle, project.id, count);
    say(`${count} requests seeded in ${((performance.now() - seeding) / 1000).toFixed(1)} s`);
    const app = await startApp(database.url!);
    say(`app started in ${app.startSeconds.toFixed(0)} s`);
    try {
      const session = await WebSession.signIn(app.url, agent.email, TEST_PASSWORD);
      const queue = await timeSamples(session, () => '/projects/WEB');
      // Requests with a thread (every hundredth), anywhere in the history.
      const request = await timeSamples(session, () => `/requests/WEB-${100 * (1 + Math.floor(Math.random() * (count / 100)))}`);
      const browser = await browserSignInToQueue(app.url, agent.email, 'WEB').catch((error: unknown) => {
        say(`browser sign-in skipped: ${(error as Error).message.split('\n')[0]}`);
        return null;
      });
      return {
        requests: count,
        queueP50Ms: percentile(queue, 0.5),
        queueP95Ms: percentile(queue, 0.95),
        requestP50Ms: percentile(request, 0.5),
        requestP95Ms: percentile(request, 0.95),
        browserSignInToQueueMs: browser,
        appStartSeconds: app.startSeconds,
      };
    } finally {
      await app.stop();
    }
  } finally {
    await database.drop();
  }
}
